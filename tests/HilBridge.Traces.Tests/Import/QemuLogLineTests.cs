using HilBridge.Traces.Import;

namespace HilBridge.Traces.Tests.Import;

public class QemuLogLineTests
{
    [Theory]
    [InlineData("30146@1795523990.925300:smmuv3_s1_range_inval vmid=0", 1795523990L, 9253000L)]
    [InlineData("1@1700000000.1:smmuv3_cmdq_opcode <--- SMMU_CMD_SYNC", 1700000000L, 1000000L)]
    [InlineData("1234@1700000000:x", 1700000000L, 0L)]
    public void TryParseTimestamp_PrefixedLine_ReadsSecondsAndMicroseconds(string line, long seconds, long ticks)
    {
        Assert.True(QemuLogLine.TryParseTimestamp(line, out var at));

        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(ticks), at);
    }

    [Theory]
    [InlineData("smmuv3_cmdq_opcode <--- SMMU_CMD_SYNC")]
    [InlineData("smmuv3_read_mmio addr: 0x0 val:0xd40101a size: 0x4(0)")]
    [InlineData("@1700000000.1:smmu")]
    [InlineData("12@abc.1:smmu")]
    [InlineData("12@99999999999999999999.1:smmu")]
    [InlineData("")]
    public void TryParseTimestamp_NoPrefix_ReturnsFalse(string line)
    {
        Assert.False(QemuLogLine.TryParseTimestamp(line, out _));
    }
}
