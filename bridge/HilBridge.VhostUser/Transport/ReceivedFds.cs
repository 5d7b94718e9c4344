namespace HilBridge.VhostUser.Transport;

/// <summary>
/// The fds that arrived with one message. Each may be claimed once with <see cref="Take"/>, which
/// transfers ownership; Dispose closes every fd nobody claimed, so a message that carried more fds
/// than its request uses (or one that was rejected) leaks none.
/// </summary>
public sealed class ReceivedFds : IDisposable
{
    private const int Claimed = -1;

    /// <summary>Shared instance for the common case of a message without fds; allocation-free.</summary>
    public static ReceivedFds Empty { get; } = new(ReadOnlySpan<int>.Empty);

    private readonly int[] _fds;

    private ReceivedFds(ReadOnlySpan<int> fds)
    {
        _fds = fds.ToArray();
    }

    /// <summary>How many fds arrived (claimed or not).</summary>
    public int Count => _fds.Length;

    internal static ReceivedFds Create(ReadOnlySpan<int> fds) => fds.IsEmpty ? Empty : new ReceivedFds(fds);

    /// <summary>Claims fd <paramref name="index"/>; the caller owns (and must dispose) the result.</summary>
    public OwnedFd Take(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, _fds.Length);
        var fd = _fds[index];
        if (fd == Claimed)
        {
            throw new InvalidOperationException($"fd {index} of this message was already claimed");
        }

        _fds[index] = Claimed;
        return new OwnedFd(fd);
    }

    /// <summary>Closes every fd that was not claimed. Idempotent.</summary>
    public void Dispose()
    {
        for (var i = 0; i < _fds.Length; i++)
        {
            if (_fds[i] != Claimed)
            {
                LibC.close(_fds[i]);
                _fds[i] = Claimed;
            }
        }
    }
}
