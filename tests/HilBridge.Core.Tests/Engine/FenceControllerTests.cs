using HilBridge.Core.Dma;
using HilBridge.Core.Engine;

namespace HilBridge.Core.Tests.Engine;

/// <summary>The fence controller on its own: what a fenced device's access gets, and the recovery flow.</summary>
public class FenceControllerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 6, 20, 0, 0, TimeSpan.Zero);

    private static FenceController Fenced(FenceMode mode = FenceMode.BlockTranslated)
    {
        var fence = new FenceController(FencePolicy.Fence, mode);
        fence.Fence("test", FenceOrigin.Bridge, T0);
        return fence;
    }

    [Fact]
    public void Blocks_NotFenced_AllowsEverything()
    {
        var fence = new FenceController(FencePolicy.Fence, FenceMode.Abort);

        Assert.False(fence.Blocks(DmaPurpose.Payload) || fence.Blocks(DmaPurpose.Control) || fence.BlocksTranslated);
    }

    [Fact]
    public void Blocks_BlockTranslatedFence_RefusesPayloadButNotControl()
    {
        var fence = Fenced(FenceMode.BlockTranslated);

        Assert.Equal((true, false, true), (fence.Blocks(DmaPurpose.Payload), fence.Blocks(DmaPurpose.Control), fence.BlocksTranslated));
    }

    [Fact]
    public void Blocks_AbortFence_RefusesEverything()
    {
        var fence = Fenced(FenceMode.Abort);

        Assert.Equal((true, true, true), (fence.Blocks(DmaPurpose.Payload), fence.Blocks(DmaPurpose.Control), fence.BlocksTranslated));
    }

    [Theory]
    [InlineData(FencePolicy.Fence, true)]
    [InlineData(FencePolicy.Hope, false)]
    public void FencesOnFailure_Policy_FencesOnlyUnderFence(FencePolicy policy, bool expected) =>
        Assert.Equal(expected, new FenceController(policy, FenceMode.BlockTranslated).FencesOnFailure);

    [Fact]
    public void Fence_Reason_RecordsReasonAndTime()
    {
        var fence = Fenced();

        Assert.Equal(FenceState.FencedAt("test", FenceOrigin.Bridge, T0), fence.State);
    }

    [Fact]
    public void OnSteInvalidated_StopStartThenSte_CompletesTheRecoveryOnTheLastStep()
    {
        var fence = Fenced();

        fence.OnDeviceStopped();
        Assert.False(fence.OnDeviceStarted());
        Assert.True(fence.OnSteInvalidated(0x100, 0x100));
    }

    [Fact]
    public void OnDeviceStarted_SteFirstThenStopStart_CompletesTheRecoveryOnTheStart()
    {
        var fence = Fenced();

        Assert.False(fence.OnSteInvalidated(0x100, 0x100));
        fence.OnDeviceStopped();
        Assert.True(fence.OnDeviceStarted());
    }

    [Fact]
    public void OnDeviceStarted_WithoutAStop_DoesNotCount()
    {
        var fence = Fenced();

        Assert.False(fence.OnDeviceStarted());
        Assert.False(fence.State.DeviceRestarted);
    }

    [Fact]
    public void OnDeviceStopped_AfterARestart_NeedsAnotherStart()
    {
        var fence = Fenced();
        fence.OnDeviceStopped();
        fence.OnDeviceStarted();

        fence.OnDeviceStopped();

        Assert.False(fence.OnSteInvalidated(0x100, 0x100));
        Assert.True(fence.OnDeviceStarted());
    }

    [Fact]
    public void OnSteInvalidated_OtherStreamId_DoesNotCount()
    {
        var fence = Fenced();
        fence.OnDeviceStopped();
        fence.OnDeviceStarted();

        Assert.False(fence.OnSteInvalidated(0x200, 0x100));
        Assert.False(fence.State.SteInvalidated);
    }

    [Fact]
    public void OnSteInvalidated_DeviceStreamIdUnknown_AnyStreamIdCounts()
    {
        var fence = Fenced();
        fence.OnDeviceStopped();
        fence.OnDeviceStarted();

        Assert.True(fence.OnSteInvalidated(0x200, null));
    }

    [Fact]
    public void RecoverySteps_NotFenced_ChangeNothing()
    {
        var fence = new FenceController(FencePolicy.Fence, FenceMode.BlockTranslated);

        fence.OnDeviceStopped();
        Assert.False(fence.OnDeviceStarted());
        Assert.False(fence.OnSteInvalidated(0x100, 0x100));
        Assert.Equal(FenceState.Unfenced, fence.State);
    }

    [Fact]
    public void Unfence_AfterAFence_ReturnsHowLongItLastedAndClearsTheState()
    {
        var fence = Fenced();

        Assert.Equal(TimeSpan.FromMilliseconds(250), fence.Unfence(T0.AddMilliseconds(250)));
        Assert.Equal(FenceState.Unfenced, fence.State);
    }
}
