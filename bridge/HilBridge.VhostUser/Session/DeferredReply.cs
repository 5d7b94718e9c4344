namespace HilBridge.VhostUser.Session;

/// <summary>
/// The pending u64 reply to one request (IOTLB_MSG), handed to the back-end so it can answer later
/// from any thread while the session keeps reading. Complete it exactly once: a second completion
/// is a bug and throws. Completing after the session ended is a silent no-op (there is nobody to
/// tell). If the request did not ask for a reply, completing only marks it done.
/// <para>A small value over a pooled source, so the IOTLB path does not allocate per message;
/// stale copies are told apart by a token and also throw.</para>
/// </summary>
public readonly struct DeferredReply
{
    private readonly DeferredReplySource? _source;
    private readonly long _token;

    internal DeferredReply(DeferredReplySource source, long token)
    {
        _source = source;
        _token = token;
    }

    /// <summary>True once this reply was completed (by anyone). False for a default value.</summary>
    public bool IsCompleted => _source is not null && !_source.IsPending(_token);

    /// <summary>Sends <paramref name="status"/> (0 = success) as the reply.</summary>
    /// <exception cref="InvalidOperationException">Already completed, or not issued by a session.</exception>
    public void Complete(ulong status)
    {
        if (_source is null)
        {
            throw new InvalidOperationException("this DeferredReply was not issued by a session");
        }

        if (!_source.TryComplete(_token, status))
        {
            throw new InvalidOperationException("this DeferredReply was already completed");
        }
    }

    /// <summary>Completes with 0.</summary>
    public void Succeed() => Complete(0);

    /// <summary>Completes with a non-zero failure status.</summary>
    public void Fail(ulong status = 1) => Complete(status == 0 ? 1 : status);

    internal bool TryComplete(ulong status) => _source is not null && _source.TryComplete(_token, status);
}

/// <summary>
/// Reusable state behind <see cref="DeferredReply"/>. The token advances on completion, which both
/// makes completion exactly-once and retires every copy of the old value before the source is reused.
/// </summary>
internal sealed class DeferredReplySource
{
    private readonly VhostUserSession _session;
    private long _token;
    private uint _request;
    private bool _wantsReply;

    public DeferredReplySource(VhostUserSession session) => _session = session;

    public DeferredReply Arm(uint request, bool wantsReply)
    {
        _request = request;
        _wantsReply = wantsReply;
        return new DeferredReply(this, Volatile.Read(ref _token));
    }

    public bool IsPending(long token) => Volatile.Read(ref _token) == token;

    public bool TryComplete(long token, ulong status)
    {
        // Read before the exchange: once it succeeds the source may be re-armed by the read loop.
        var request = _request;
        var wantsReply = _wantsReply;
        if (Interlocked.CompareExchange(ref _token, token + 1, token) != token)
        {
            return false;
        }

        try
        {
            _session.SendDeferredReply(request, wantsReply, status);
        }
        finally
        {
            _session.ReturnReplySource(this);
        }

        return true;
    }
}
