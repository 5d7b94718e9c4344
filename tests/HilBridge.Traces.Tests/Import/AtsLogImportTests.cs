using HilBridge.Core.Engine;
using HilBridge.Traces.Format;
using HilBridge.Traces.Import;
using HilBridge.Traces.Replay;

namespace HilBridge.Traces.Tests.Import;

/// <summary>
/// (Not a live test: named so the live-test filter on "GuestVisible" keeps it.) A log from the patched SMMU (qemu-scripts/patches 0001: trace event smmuv3_cmdq_atc_inv, its format string
/// "sid=0x%x ssid=0x%x ssv=%d global=%d addr=0x%PRIx64 size=%d"): the device's invalidations are the guest's
/// CMD_ATC_INVs; the SMMU TLB invalidations that come with each unmap do not reach the device's ATC.
/// </summary>
public sealed class AtsLogImportTests : IDisposable
{
    private static readonly string[] Log =
    [
        "7@1795523990.000100:smmuv3_cmdq_cfgi_ste streamid= 0x100",
        "7@1795523990.000200:smmuv3_translate_success smmuv3-iommu-memory-region-0-0 sid=0x100 iova=0xffffb002 translated=0x42e5b002 perm=0x3",
        "7@1795523990.000300:smmuv3_s1_range_inval vmid=0 asid=1 addr=0xffffb000 tg=1 num_pages=0x1 ttl=3 leaf=1",
        "7@1795523990.000310:smmuv3_cmdq_atc_inv sid=0x100 ssid=0x0 ssv=0 global=0 addr=0xffffb000 size=0",
        "7@1795523990.000320:smmuv3_cmdq_opcode <--- SMMU_CMD_SYNC",
        "7@1795523990.000400:smmuv3_cmdq_tlbi_nh_asid asid=1",
        "7@1795523990.000410:smmuv3_cmdq_atc_inv sid=0x100 ssid=0x0 ssv=0 global=0 addr=0xfff00000 size=4",
        "7@1795523990.000500:smmuv3_cmdq_atc_inv sid=0x100 ssid=0x0 ssv=0 global=0 addr=0x0 size=52",
        "7@1795523990.000600:smmuv3_cmdq_atc_inv sid=0x8 ssid=0x0 ssv=0 global=0 addr=0x1000 size=0",
    ];

    private readonly string _dir = Directory.CreateTempSubdirectory("hb-ats-import-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Run_PatchedSmmuLog_TakesAtcInvAsTheDevicesInvalidations()
    {
        var (result, inputs) = Import();

        Assert.Equal(3, result.Report.AtcInvalidations);
        Assert.Equal(2, result.Report.TlbInvalidationsNotForTheAtc);
        Assert.Equal(0, result.Report.RangeInvalidations + result.Report.FullInvalidations);
        // One 4 KiB page, 2^4 pages from the aligned address, and size 52: everything (the engine's size 0).
        Assert.Equal(
            [(0xffffb000UL, 0x1000UL), (0xfff00000UL, 0x10000UL), (0UL, 0UL)],
            inputs.Where(i => i.Kind == EngineInputKind.IotlbInvalidate).Select(i => (i.Iova, i.Size)));
    }

    [Fact]
    public void Run_PatchedSmmuLog_SaysWhereTheInvalidationsCameFromAndReplays()
    {
        var output = Path.Combine(_dir, "ats.hbt");
        File.WriteAllLines(Path.Combine(_dir, "ats.log"), Log);

        SmmuLogImport.Run(new FileInfo(Path.Combine(_dir, "ats.log")), new FileInfo(output), new EngineOptions(), null, null, resetOnAttach: true);

        using var reader = TraceReader.Open(output);
        Assert.Equal("CMD_ATC_INV (guest-visible ATS)", reader.Header.Versions["DEVICE_INVALIDATIONS"]);
        Assert.True(TraceReplayer.Run(reader).Reproduced);
    }

    [Fact]
    public void Run_StockLogWithoutAtcInv_StillTakesTheTlbInvalidations()
    {
        var (result, _) = Import(Log.Where(l => !l.Contains("atc_inv", StringComparison.Ordinal)));

        Assert.Equal(0, result.Report.AtcInvalidations);
        Assert.Equal(1, result.Report.RangeInvalidations);
        Assert.Equal(1, result.Report.FullInvalidations);
    }

    private (SmmuLogImportResult Result, List<EngineInput> Inputs) Import(IEnumerable<string>? lines = null)
    {
        var log = Path.Combine(_dir, "in.log");
        File.WriteAllLines(log, lines ?? Log);
        var output = Path.Combine(_dir, "out.hbt");
        var result = SmmuLogImport.Run(new FileInfo(log), new FileInfo(output), new EngineOptions(), null, null, resetOnAttach: true);
        using var reader = TraceReader.Open(output);
        var inputs = new List<EngineInput>();
        while (reader.TryRead(out var entry))
        {
            if (entry.Kind == TraceRecordKind.Input)
            {
                inputs.Add(entry.Input);
            }
        }

        return (result, inputs);
    }
}
