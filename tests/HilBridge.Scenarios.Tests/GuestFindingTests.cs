using System.Text;
using HilBridge.Core.Dma;
using HilBridge.Core.Engine;

namespace HilBridge.Scenarios.Tests;

public class GuestFindingTests
{
    private static string Hex(string ascii) => Convert.ToHexString(Encoding.ASCII.GetBytes(ascii)).ToLowerInvariant();

    private static Dictionary<string, string> Report(string head) => new()
    {
        ["n"] = "2", ["block"] = "37", ["offset"] = "3", ["bytes"] = "61", ["head"] = head, ["uptime"] = "9.1",
    };

    [Fact]
    public void FromReport_PoisonStartingLate_FindsTheId()
    {
        // The run starts at offset 3 (its first poison bytes equalled the data); the head starts at the 16-byte boundary.
        var finding = GuestFinding.FromReport(Report(Hex("HBSTRAG:00000007HBSTRAG:00000007")));

        Assert.Equal(new GuestFinding(2, 37, 3, 61, Hex("HBSTRAG:00000007HBSTRAG:00000007"), 7UL), finding);
    }

    [Fact]
    public void FromReport_PoisonCutByTheBoundary_FindsTheIdFurtherIn()
    {
        var finding = GuestFinding.FromReport(Report(Hex("xxxxxHBSTRAG:00000003HBSTRAG:00")));

        Assert.Equal(3UL, finding!.PoisonId);
    }

    [Theory]
    [InlineData("not-hex")]
    [InlineData("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff")]
    public void FromReport_NoPoison_HasNoId(string head) => Assert.Null(GuestFinding.FromReport(Report(head))!.PoisonId);

    [Fact]
    public void FromReport_MissingField_IsNull() =>
        Assert.Null(GuestFinding.FromReport(new Dictionary<string, string> { ["n"] = "1", ["block"] = "x" }));

    [Fact]
    public void Match_ByPoisonId_OnlyStragglersThatReachedMemoryExplain()
    {
        var findings = new[] { 1UL, 2UL, 9UL }.Select(id => new GuestFinding(1, 0, 0, 64, "", id));
        var ran = new Dictionary<ulong, StragglerAccess>
        {
            [1] = new(40, 0x1000, 64, AccessKind.Write, 5, StragglerOutcome.Violation, 1, 0x9000),
            [2] = new(41, 0x2000, 64, AccessKind.Write, 6, StragglerOutcome.RefusedFenced, 2, 0xa000),
        };

        var matched = GuestFinding.Match(findings, ran);

        Assert.Equal(["#1 req=40 iova=0x1000 violation", "#2 req=41 iova=0x2000 refusedfenced", null], matched.Select(f => f.Straggler));
        Assert.Equal([true, false, false], matched.Select(f => f.Explained));
    }
}
