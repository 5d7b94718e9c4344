using Google.Protobuf;
using HilBridge.Core.Engine;
using HilBridge.Traces.Format;
using HilBridge.Traces.Proto;

namespace HilBridge.Traces.Tests.Format;

public class OptionsCodecTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ExactInvalidation_RoundTrips(bool exact)
    {
        var options = new EngineOptions { ExactInvalidation = exact, Seed = 3 };

        Assert.Equal(exact, OptionsCodec.ToOptions(OptionsCodec.ToMessage(options)).ExactInvalidation);
    }

    [Fact]
    public void ExactInvalidation_TraceFromBeforeTheField_ReplaysWithWholeEntries()
    {
        // A header written before field 9 existed: its engine removed whole entries, and replay must too.
        var old = new EngineOptionsMessage
        {
            InvalidationTimeoutTicks = EngineOptions.ArmSmmuV3Timeout.Ticks,
            FencePolicy = FencePolicyMessage.FencePolicyFence,
            FenceMode = FenceModeMessage.FenceModeBlockTranslated,
            AtcCapacity = 64,
            Policy = new FaultPolicyMessage(),
            RefusedAckStatus = 1,
        };

        Assert.False(OptionsCodec.ToOptions(EngineOptionsMessage.Parser.ParseFrom(old.ToByteArray())).ExactInvalidation);
    }
}
