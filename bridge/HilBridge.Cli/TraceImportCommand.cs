using System.CommandLine;
using System.Globalization;
using HilBridge.Core.Engine;
using HilBridge.Traces.Analysis;
using HilBridge.Traces.Import;
using HilBridge.Scenarios.Json;

namespace HilBridge.Cli;

/// <summary>
/// `hilbridge trace import LOG -o FILE`: turns stock QEMU's SMMU trace log (`-trace 'smmuv3_*' -D LOG`, add
/// `-msg timestamp=on` for times) into a trace, running it through the engine under the chosen policy: parses
/// the arguments, runs <see cref="SmmuLogImport"/> and prints what it made. The result replays like a recorded run.
/// </summary>
internal static class TraceImportCommand
{
    public static Command Create()
    {
        var log = new Argument<FileInfo>("LOG") { Description = "QEMU trace log (log backend text), e.g. from -trace 'smmuv3_*' -D LOG" };
        var output = new Option<FileInfo>("--output", "-o", "--out") { Description = "Trace file to write (.hbt)", Required = true };
        var streamId = new Option<string?>("--stream-id") { Description = "The device's StreamID (default: the one with the most translations in the log)" };
        var noReset = new Option<bool>("--no-reset-on-attach") { Description = "Do not model a device reset before each CFGI_STE of the device" };
        var json = ResultOutput.JsonOption("what was imported");
        var overrides = new TraceOverrideOptions();
        var command = new Command("import", "Import a QEMU SMMU trace log as a trace, replayed under a chosen policy") { log, output, streamId, noReset, json };
        overrides.AddTo(command);
        command.SetAction((parse, ct) =>
        {
            var (replay, scenario, error) = overrides.Build(parse);
            uint? sid = null;
            if (error is null && parse.GetValue(streamId) is { } text)
            {
                var t = text.Trim();
                bool ok = t.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
                    ? uint.TryParse(t.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var v)
                    : uint.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out v);
                sid = ok ? v : null;
                error = ok ? null : $"--stream-id '{text}' is not a number";
            }

            if (error is not null)
            {
                Console.Error.WriteLine($"hilbridge trace import: {error}");
                return Task.FromResult(TraceCliSupport.ExitUsage);
            }

            var engine = replay!.ApplyTo(new EngineOptions { Seed = 1 });
            return Task.FromResult(Import(parse.GetValue(log)!, parse.GetValue(output)!, engine, scenario?.Name, sid, !parse.GetValue(noReset), parse.GetValue(json), ct));
        });
        return command;
    }

    private static int Import(FileInfo log, FileInfo output, EngineOptions engine, string? policyName, uint? streamId, bool resetOnAttach, bool json, CancellationToken ct)
    {
        SmmuLogImportResult result;
        try
        {
            result = SmmuLogImport.Run(log, output, engine, policyName, streamId, resetOnAttach, ct);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new EnvironmentException(ex.Message, ex);
        }

        if (Unusable(log, result, streamId) is { } why)
        {
            // A trace without a single access of the device replays to nothing and reads "Complete": do not leave one.
            output.Refresh();
            if (output.Exists && result.Imported)
            {
                output.Delete();
            }

            throw new UsageException(why);
        }

        var r = result.Report;
        if (r.TimestampedEvents < r.Events)
        {
            Console.Error.WriteLine($"hilbridge trace import: warning: {r.Events - r.TimestampedEvents} of {r.Events} events have no QEMU timestamp, "
                + "so their times are made up and latencies mean nothing; record with -msg timestamp=on");
        }

        if (json)
        {
            Console.WriteLine(ResultJson.SerializeHeaded("trace.import", new
            {
                log = log.FullName,
                output = output.FullName,
                streamId = engine.StreamId,
                report = result.Report,
                decisions = TraceReplayReport.Figures(result.Tally),
            }));
        }
        else
        {
            Print(log, output, engine, result.Report, result.Tally);
        }

        return 0;
    }

    /// <summary>Why the log gives no usable trace (nothing to replay), or null.</summary>
    private static string? Unusable(FileInfo log, SmmuLogImportResult result, uint? streamId)
    {
        const string Enable = "record with -trace 'smmuv3_*' (at least smmuv3_translate_success, smmuv3_cmdq_tlbi_nh*, smmuv3_*range_inval, smmuv3_cmdq_cfgi_ste*) -D LOG";
        var r = result.Report;
        if (!result.Imported)
        {
            return $"{log.FullName}: no SMMU trace events; {Enable}";
        }

        if (r.Translations == 0 && r.OtherStreamTranslations > 0 && streamId is { } sid)
        {
            return $"{log.FullName}: no translations of StreamID 0x{sid:x} ({r.OtherStreamTranslations} of other StreamIDs); leave out --stream-id to take the busiest";
        }

        return r.Translations == 0
            ? $"{log.FullName}: {r.Events} SMMU events but no translations (smmuv3_translate_success), so no device access to replay; {Enable}"
            : null;
    }

    private static void Print(FileInfo log, FileInfo output, EngineOptions engine, ImportReport r, TraceTally t)
    {
        Console.WriteLine($"imported {r.Events} SMMU events from {log.Name} ({(r.Last - r.First)?.TotalSeconds:0.000} s, " +
            $"{(r.TimestampedEvents == r.Events ? "timestamps from the log" : $"{r.Events - r.TimestampedEvents} events without timestamp")})");
        Console.WriteLine($"device StreamID {(engine.StreamId is { } sid ? $"0x{sid:x}" : "unknown")}: {r.Translations} translations -> {r.Accesses} accesses " +
            $"({r.IotlbUpdates} IOTLB updates, {r.RefusedAccesses} refused), {r.OtherStreamTranslations} translations of other StreamIDs skipped");
        Console.WriteLine(r.AtcInvalidations + r.TlbInvalidationsNotForTheAtc > 0
            ? $"invalidations {r.AtcInvalidations} CMD_ATC_INV (guest-visible ATS: {r.TlbInvalidationsNotForTheAtc} SMMU TLB invalidations do not reach the ATC); {r.SteInvalidations} STE invalidations ({r.Resets} modelled as reset + attach)"
            : $"invalidations {r.RangeInvalidations} ranges + {r.FullInvalidations} full; {r.SteInvalidations} STE invalidations ({r.Resets} modelled as reset + attach)");
        Console.WriteLine("SMMU commands " + string.Join(", ", r.ByName.Where(p => p.Key.StartsWith("smmuv3_cmdq_opcode ", StringComparison.Ordinal))
            .OrderByDescending(p => p.Value).Select(p => $"{p.Key["smmuv3_cmdq_opcode SMMU_CMD_".Length..]} {p.Value}")));
        Console.WriteLine($"engine: timeout {engine.InvalidationTimeout.TotalMilliseconds:0.###} ms, {engine.FencePolicy}, {engine.FenceMode}, {engine.Policy.Rules.Count} rule(s)");
        Console.WriteLine($"decisions: {t.Acks} acks ({t.RefusedAcks} refused, {t.Timeouts} timed out), {t.Fences} fences, {t.Unfences} unfences, " +
            $"{t.Violations} violations; ack latency {TraceStatistics.Latency(t)}");
        Console.WriteLine($"wrote {output.FullName} ({t.Inputs} inputs, {t.Effects} effects); `hilbridge replay` reproduces it, --policy/--fence-policy compare");
    }
}
