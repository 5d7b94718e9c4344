using HilBridge.Core.Engine;
using HilBridge.Live.Device;
using Microsoft.Extensions.Time.Testing;

namespace HilBridge.Live.Tests.Device;

public sealed class InvalidationCompletionsTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly InvalidationCompletions _completions;
    private readonly List<(string Requester, EngineEffect Answer)> _answers = [];
    private readonly InvalidationRequester _vhostUser;
    private readonly InvalidationRequester _atsPort;

    public InvalidationCompletionsTests()
    {
        _completions = new InvalidationCompletions(_time);
        _vhostUser = _completions.Register((in EngineEffect a) => _answers.Add(("vhost-user", a)));
        _atsPort = _completions.Register((in EngineEffect a) => _answers.Add(("ats-port", a)));
    }

    private static EngineEffect Ack(ulong id) => new() { Kind = EffectKind.AckInvalidation, RequestId = id };

    private static EngineEffect TimedOut(ulong id) => new() { Kind = EffectKind.InvalidationTimedOut, RequestId = id };

    [Fact]
    public void NewRequestId_TwoRequesters_IdsNeverCollide()
    {
        var ids = new[] { _vhostUser.NewRequestId(), _atsPort.NewRequestId(), _vhostUser.NewRequestId(), _atsPort.NewRequestId() };

        Assert.Equal(ids.Length, ids.Distinct().Count());
        Assert.DoesNotContain(0UL, ids);
    }

    [Fact]
    public void Dispatch_Ack_GoesToTheRequesterOwningTheId()
    {
        var fromVhost = _vhostUser.NewRequestId();
        var fromPort = _atsPort.NewRequestId();

        _completions.Dispatch(Ack(fromPort));
        _completions.Dispatch(Ack(fromVhost));

        Assert.Equal([("ats-port", fromPort), ("vhost-user", fromVhost)], _answers.Select(a => (a.Requester, a.Answer.RequestId)));
    }

    [Fact]
    public void Dispatch_UnknownOrAlreadyAcknowledgedId_Ignored()
    {
        var id = _vhostUser.NewRequestId();
        _completions.Dispatch(Ack(id));

        _completions.Dispatch(Ack(id));
        _completions.Dispatch(Ack(id + 100));

        Assert.Single(_answers);
    }

    [Fact]
    public void Dispatch_TimeoutThenAck_BothReachTheOwner()
    {
        var id = _atsPort.NewRequestId();

        _completions.Dispatch(TimedOut(id));
        _completions.Dispatch(Ack(id));

        Assert.Equal([EffectKind.InvalidationTimedOut, EffectKind.AckInvalidation], _answers.Select(a => a.Answer.Kind));
        Assert.All(_answers, a => Assert.Equal("ats-port", a.Requester));
    }

    [Fact]
    public void Dispatch_OtherEffectWithTheId_Ignored()
    {
        var id = _vhostUser.NewRequestId();

        _completions.Dispatch(new EngineEffect { Kind = EffectKind.StragglerAccess, RequestId = id });

        Assert.Empty(_answers);
    }

    [Fact]
    public void Dispatch_Ack_RecordsReceiptToAckLatencyForItsRequester()
    {
        var id = _vhostUser.NewRequestId();
        _time.Advance(TimeSpan.FromMilliseconds(3));

        _completions.Dispatch(Ack(id));

        Assert.Equal(1, _vhostUser.AckLatency.Count);
        Assert.InRange(_vhostUser.AckLatency.Percentile(50)!.Value, TimeSpan.FromMilliseconds(2.5), TimeSpan.FromMilliseconds(3.5));
        Assert.Equal(0, _atsPort.AckLatency.Count);
    }

    [Fact]
    public void NewRequestIdThenDispatch_SteadyState_AllocatesNothing()
    {
        var completions = new InvalidationCompletions(_time);
        var requester = completions.Register((in EngineEffect _) => { });
        for (int i = 0; i < 1_000; i++)
        {
            completions.Dispatch(Ack(requester.NewRequestId()));
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            completions.Dispatch(Ack(requester.NewRequestId()));
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Dispatch_RequesterDisposed_NoCallback()
    {
        var id = _atsPort.NewRequestId();
        _atsPort.Dispose();

        _completions.Dispatch(Ack(id));

        Assert.Empty(_answers);
    }
}
