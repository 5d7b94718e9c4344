using HilBridge.Traces.Import;

namespace HilBridge.Traces.Tests.Import;

public class SmmuTraceParserTests
{
    [Fact]
    public void TryParse_OpcodeWithPidPrefix_ReadsOpcode()
    {
        Assert.True(SmmuTraceParser.TryParse("20233@1764000000.123456:smmuv3_cmdq_opcode <--- SMMU_CMD_TLBI_NH_VA", out var e));
        Assert.Equal("smmuv3_cmdq_opcode", e.Name);
        Assert.Equal("SMMU_CMD_TLBI_NH_VA", e.Opcode);
    }

    [Theory]
    [InlineData("smmuv3_cmdq_cfgi_ste streamid= 256", 256UL)]
    [InlineData("smmuv3_cmdq_cfgi_ste streamid=0x100", 256UL)]
    public void TryParse_CfgiSte_ReadsStreamIdInAnySpelling(string line, ulong expected)
    {
        Assert.True(SmmuTraceParser.TryParse(line, out var e));
        Assert.True(e.TryGetNumber("streamid", out var sid));
        Assert.Equal(expected, sid);
    }

    [Fact]
    public void TryParse_RangeInvalidation_ReadsAllFields()
    {
        Assert.True(SmmuTraceParser.TryParse("smmuv3_s1_range_inval vmid=0 asid=1 addr=0xffff0000 tg=3 num_pages=0x2 ttl=3 leaf=1", out var e));
        Assert.True(e.TryGetNumber("addr", out var addr) && addr == 0xffff0000);
        Assert.True(e.TryGetNumber("num_pages", out var pages) && pages == 2);
        Assert.True(e.TryGetNumber("asid", out var asid) && asid == 1);
    }

    [Fact]
    public void TryParse_NotAnSmmuLine_ReturnsFalse() =>
        Assert.False(SmmuTraceParser.TryParse("vhost_user_write req:22 flags:0x9", out _));
}
