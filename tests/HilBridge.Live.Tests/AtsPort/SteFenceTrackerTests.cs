using HilBridge.Live.AtsPort;

namespace HilBridge.Live.Tests.AtsPort;

public sealed class SteFenceTrackerTests
{
    private static readonly SteState Abort = new(0x100, SteConfig.Abort, 1, false);
    private static readonly SteState Translating = new(0x100, SteConfig.Translate, 1, true);
    private static readonly SteState NoEats = new(0x100, SteConfig.Translate, 0, false);

    [Fact]
    public void Apply_LinuxAttachSequence_NoFence()
    {
        // Linux 6.1 at attach: abort STE with EATS already set, then the translating STE.
        var tracker = new SteFenceTracker();
        Assert.Equal(SteAction.None, tracker.Apply(Abort, 0x100, false).Action);
        Assert.Equal(SteAction.None, tracker.Apply(Translating, 0x100, false).Action);
    }

    [Theory]
    [InlineData(SteConfig.Abort, 1)]
    [InlineData(SteConfig.Translate, 0)]
    [InlineData(SteConfig.Bypass, 0)]
    [InlineData(SteConfig.Invalid, 0)]
    public void Apply_TranslatedRequestsWithdrawn_FenceThenUnfenceOnReattach(SteConfig config, byte eats)
    {
        var tracker = new SteFenceTracker();
        tracker.Apply(Translating, 0x100, false);
        var fence = tracker.Apply(new SteState(0x100, config, eats, false), 0x100, false);
        Assert.Equal(SteAction.Fence, fence.Action);
        Assert.Contains("0x100", fence.Reason);
        Assert.Equal(SteAction.None, tracker.Apply(NoEats, 0x100, true).Action);
        Assert.Equal(SteAction.Unfence, tracker.Apply(Translating, 0x100, true).Action);
        Assert.False(tracker.FencedBySte);
    }

    [Fact]
    public void Apply_OtherStreamId_Ignored()
    {
        var tracker = new SteFenceTracker();
        tracker.Apply(Translating with { StreamId = 8 }, 0x100, false);
        Assert.Equal(SteAction.None, tracker.Apply(Abort with { StreamId = 8 }, 0x100, false).Action);
    }

    [Fact]
    public void Apply_EngineAlreadyFencedByItsPolicy_NoSecondFenceAndNoUnfence()
    {
        var tracker = new SteFenceTracker();
        tracker.Apply(Translating, 0x100, false);
        Assert.Equal(SteAction.None, tracker.Apply(Abort, 0x100, engineFenced: true).Action);
        Assert.Equal(SteAction.None, tracker.Apply(Translating, 0x100, engineFenced: true).Action);
    }

    [Fact]
    public void Apply_StreamIdUnknownThenLearned_HistoryKept()
    {
        var tracker = new SteFenceTracker();
        Assert.Equal(SteAction.None, tracker.Apply(Translating, null, false).Action);
        Assert.Equal(SteAction.Fence, tracker.Apply(Abort, 0x100, false).Action);
    }
}
