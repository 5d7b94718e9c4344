using HilBridge.Live.Qemu;
using HilBridge.Traces.Import;

namespace HilBridge.Live.Tests.Qemu;

public class SmmuCommandStreamTests
{
    [Fact]
    public void Apply_CfgiSteAndRange_RaisesEachStreamIdAndCountsOpcodes()
    {
        var stream = new SmmuCommandStream();
        var seen = new List<uint>();
        stream.SteInvalidated += seen.Add;
        foreach (var line in new[]
        {
            "smmuv3_cmdq_opcode <--- SMMU_CMD_CFGI_STE",
            "smmuv3_cmdq_cfgi_ste streamid= 256",
            "smmuv3_cmdq_cfgi_ste_range start=0x8 - end=0xa",
            "smmuv3_newer_event_we_do_not_know foo=1",
        })
        {
            Assert.True(SmmuTraceParser.TryParse(line, out var e));
            stream.Apply(e);
        }
        Assert.Equal([256u, 8u, 9u, 10u], seen);
        Assert.Equal(1, stream.OpcodeCounts["SMMU_CMD_CFGI_STE"]);
        Assert.Equal(4, stream.Lines);
    }
}
