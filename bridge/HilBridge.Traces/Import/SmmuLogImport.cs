using HilBridge.Core.Engine;
using HilBridge.Traces.Analysis;
using HilBridge.Traces.Format;
using HilBridge.Traces.Recording;

namespace HilBridge.Traces.Import;

/// <summary>
/// The whole import: stock QEMU's SMMU trace log (`-trace 'smmuv3_*' -D LOG`, with `-msg timestamp=on` for
/// times) in, a trace out that replays like a recorded run. Pass 1 finds the device's StreamID and when the
/// log starts; pass 2 runs the engine under the given options over the events (the device model is described
/// on <see cref="SmmuLogImporter"/>) and writes the trace as the engine decides.
/// </summary>
public static class SmmuLogImport
{
    /// <param name="engine">The engine's options; its StreamId is set to the device's (<paramref name="streamId"/>, else the log's).</param>
    /// <param name="policyName">The scenario name recorded in the header (default "import").</param>
    /// <param name="streamId">The device's StreamID, or null to take the one with the most translations in the log.</param>
    /// <param name="resetOnAttach">See <see cref="ImportOptions.ResetOnAttach"/>.</param>
    /// <exception cref="IOException">The log cannot be read or the trace cannot be written.</exception>
    /// <exception cref="UnauthorizedAccessException">Likewise, for lack of permission.</exception>
    public static SmmuLogImportResult Run(FileInfo log, FileInfo output, EngineOptions engine, string? policyName, uint? streamId,
        bool resetOnAttach, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(engine);

        // Pass 1: which StreamID is the device, and when the log starts.
        var scan = new SmmuLogScan();
        ForEachEvent(log, (at, name, _, fields) => scan.Add(at, name, fields), ct);
        if (scan.Events == 0)
        {
            return SmmuLogImportResult.NoSmmuEvents;
        }

        engine.StreamId = streamId ?? scan.StreamId;
        var start = scan.First ?? DateTimeOffset.UnixEpoch;
        var header = TraceHeaders.Create(policyName ?? "import", $"imported from {log.Name}", engine, start,
            new Dictionary<string, string>
            {
                ["IMPORTED_FROM"] = log.Name, ["TIMESTAMPS"] = scan.First is null ? "synthetic" : "from log",
                ["DEVICE_INVALIDATIONS"] = scan.GuestVisibleAts ? "CMD_ATC_INV (guest-visible ATS)" : "SMMU TLB invalidations",
            },
            source: "import");

        // Pass 2: the engine under the chosen policy, written as it decides.
        var tally = new TraceTally();
        using var writer = TraceWriter.Create(output.FullName, header);
        var stepper = new EngineStepper(engine, start, new TeeObserver(new TraceWriterObserver(writer), tally));
        var importer = new SmmuLogImporter(stepper, new ImportOptions { StreamId = engine.StreamId, ResetOnAttach = resetOnAttach, GuestVisibleAts = scan.GuestVisibleAts });
        ForEachEvent(log, importer.Add, ct);
        importer.Finish();
        writer.Complete(stepper.Now);
        return new SmmuLogImportResult { Imported = true, Report = importer.Report, Tally = tally };
    }

    private static void ForEachEvent(FileInfo log, Action<DateTimeOffset?, string, string, IReadOnlyDictionary<string, string>> onEvent, CancellationToken ct)
    {
        long lines = 0;
        foreach (var line in File.ReadLines(log.FullName))
        {
            if ((++lines & 0xFFFF) == 0)
            {
                ct.ThrowIfCancellationRequested();
            }

            // The parser reads the event (it skips the "pid@sec.usec:" prefix); the prefix gives the time.
            if (SmmuTraceParser.TryParse(line, out var e) && e.Name.StartsWith("smmu", StringComparison.Ordinal))
            {
                onEvent(QemuLogLine.TryParseTimestamp(line, out var at) ? at : null, e.Name, e.Message, e.Fields);
            }
        }
    }
}
