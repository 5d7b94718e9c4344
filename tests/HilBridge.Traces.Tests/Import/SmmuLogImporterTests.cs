using HilBridge.Core.Engine;
using HilBridge.Traces.Format;
using HilBridge.Traces.Import;
using HilBridge.Traces.Recording;
using HilBridge.Traces.Replay;
using HilBridge.Traces.Tests.TestSupport;

namespace HilBridge.Traces.Tests.Import;

public class SmmuLogImporterTests
{
    /// <summary>Captured from stock QEMU 7.2 (Debian 1:7.2+dfsg-7+deb12u18) booting the guest with a plain
    /// virtio-blk-pci,iommu_platform=on disk: -trace events=... (smmuv3 commands, invalidations, STEs,
    /// translations) -D LOG -msg timestamp=on, one 32-block verify round. See Fixtures/README.md.</summary>
    private static readonly string Fixture = Path.Combine(AppContext.BaseDirectory, "Fixtures", "qemu-7.2-smmuv3-virtio-blk.log");

    [Fact]
    public void Import_StockQemuLog_FindsTheDeviceAndItsCommandStream()
    {
        var (bytes, report, scan) = Import(File.ReadLines(Fixture), new EngineOptions());

        Assert.Equal(0x100u, scan.StreamId);
        Assert.Equal(report.Events, report.TimestampedEvents);
        Assert.Equal(260, report.RangeInvalidations);
        Assert.Equal(3, report.FullInvalidations);
        Assert.Equal(8, report.SteInvalidations);
        Assert.True(report.Translations > 1000);
        Assert.Equal(1, report.OtherStreamTranslations);
        Assert.True(report.IotlbUpdates > 100);
        Assert.Equal(273, report.ByName["smmuv3_cmdq_opcode SMMU_CMD_SYNC"]);
        using var reader = new TraceReader(new MemoryStream(bytes));
        Assert.Equal("import", reader.Header.Source);
        Assert.Equal(0x100u, reader.Header.Engine.StreamId);
    }

    [Fact]
    public void Import_StockQemuLog_ReplaysExactly()
    {
        var (bytes, _, _) = Import(File.ReadLines(Fixture), new EngineOptions());
        using var reader = new TraceReader(new MemoryStream(bytes));

        var result = TraceReplayer.Run(reader);

        Assert.True(result.Reproduced, result.Mismatch?.ToString() ?? reader.Problem);
        Assert.Equal(263, result.Recorded.Acks);
        Assert.True(result.Recorded.Result(AccessResult.Hit) > 1000);
    }

    [Fact]
    public void Import_LostInvalidationsUnderFence_FencesAndRefusesTheDevice()
    {
        // The 100th invalidation falls in the guest's I/O round; a 50 ms timeout fences the device before the round ends.
        var options = new EngineOptions
        {
            InvalidationTimeout = TimeSpan.FromMilliseconds(50),
            Policy = new FaultPolicy(new FaultRule { EveryNth = 100, Outcome = FaultOutcome.Drop, Limit = 1 }),
        };

        var (bytes, report, _) = Import(File.ReadLines(Fixture), options);
        using var reader = new TraceReader(new MemoryStream(bytes));
        var result = TraceReplayer.Run(reader);

        Assert.True(result.Reproduced, result.Mismatch?.ToString());
        Assert.Equal(1, result.Recorded.Timeouts);
        Assert.Equal(1, result.Recorded.Fences);
        Assert.True(report.RefusedAccesses > 0, "the fenced device's later translations are refused");
    }

    [Fact]
    public void Import_NewerEventNamesUnknownEventsAndNoTimestamps_AreTolerated()
    {
        string[] lines =
        [
            "smmuv3_cmdq_opcode <--- SMMU_CMD_TLBI_NH_VA",
            "smmuv3_range_inval vmid=0 asid=1 addr=0xffff6000 tg=1 num_pages=0x2 ttl=3 leaf=1 stage=1",
            "smmuv3_some_future_event foo=1 bar=0x2",
            "garbage line",
            "smmuv3_translate_success smmuv3-iommu-memory-region-0-0 sid=0x100 iova=0xffff6010 translated=0x42000010 perm=0x3 stage=1",
            "smmuv3_cmdq_cfgi_ste streamid= 0x100",
            "smmuv3_cmdq_cfgi_ste_range start=0x0 - end=0xffff",
            "smmuv3_cmdq_tlbi_nh_asid asid=1",
        ];

        var (bytes, report, scan) = Import(lines, new EngineOptions());
        var entries = TestTraces.ReadAll(bytes, out var reader);
        reader.Dispose();

        Assert.Null(scan.First);
        Assert.Equal(0, report.TimestampedEvents);
        Assert.Equal(1, report.RangeInvalidations);
        Assert.Equal(1, report.FullInvalidations);
        Assert.Equal(2, report.SteInvalidations);
        Assert.Equal(1, report.ByName["smmuv3_some_future_event"]);
        var invalidation = entries.First(e => e.Kind == TraceRecordKind.Input && e.Input.Kind == EngineInputKind.IotlbInvalidate).Input;
        Assert.Equal((0xffff6000UL, 0x2000UL), (invalidation.Iova, invalidation.Size));
        var update = entries.First(e => e.Kind == TraceRecordKind.Input && e.Input.Kind == EngineInputKind.IotlbUpdate).Input;
        Assert.Equal((0xffff6000UL, 0x1000UL, 0x42000000UL), (update.Iova, update.Size, update.UserAddr));
        var times = entries.Select(e => e.At).ToList();
        Assert.Equal(times.Order(), times);
        Assert.True(times[^1] > times[0], "synthetic time advances per event");
    }

    [Theory]
    [InlineData("tg=0 num_pages=0x1", 0x1000UL)]
    [InlineData("tg=1 num_pages=0x4", 0x4000UL)]
    [InlineData("tg=2 num_pages=0x1", 0x4000UL)]
    [InlineData("tg=3 num_pages=0x2", 0x20000UL)]
    [InlineData("tg=3 num_pages=0xffffffffffff", 0xffffffffffff0000UL)]
    [InlineData("tg=3 num_pages=0x1000000000000", 0UL)] // 2^64 bytes: everything
    public void Import_RangeInvalidation_SizesByGranule(string fields, ulong size)
    {
        var (bytes, _, _) = Import(["smmuv3_s1_range_inval vmid=0 asid=1 addr=0x10000 " + fields + " ttl=3 leaf=1"], new EngineOptions());
        var entries = TestTraces.ReadAll(bytes, out var reader);
        reader.Dispose();

        Assert.Equal(size, entries.Single(e => e.Kind == TraceRecordKind.Input && e.Input.Kind == EngineInputKind.IotlbInvalidate).Input.Size);
    }

    private static (byte[] Bytes, ImportReport Report, SmmuLogScan Scan) Import(IEnumerable<string> lines, EngineOptions options)
    {
        var events = lines
            .Select(line => (Parsed: SmmuTraceParser.TryParse(line, out var e), Event: e, At: QemuLogLine.TryParseTimestamp(line, out var at) ? at : (DateTimeOffset?)null))
            .Where(x => x.Parsed)
            .ToList();
        var scan = new SmmuLogScan();
        foreach (var x in events)
        {
            scan.Add(x.At, x.Event.Name, x.Event.Fields);
        }

        options.StreamId = scan.StreamId ?? 0x100;
        var start = scan.First ?? TestTraces.Start;
        var stream = new MemoryStream();
        ImportReport report;
        using (var writer = new TraceWriter(stream, TraceHeaders.Create("import", null, options, start, source: "import"), leaveOpen: true))
        {
            var observer = new TraceWriterObserver(writer);
            var driver = new EngineStepper(options, start, observer);
            var importer = new SmmuLogImporter(driver, new ImportOptions { StreamId = options.StreamId });
            foreach (var x in events)
            {
                importer.Add(x.At, x.Event.Name, x.Event.Message, x.Event.Fields);
            }

            importer.Finish();
            writer.Complete(driver.Now);
            report = importer.Report;
        }

        return (stream.ToArray(), report, scan);
    }
}
