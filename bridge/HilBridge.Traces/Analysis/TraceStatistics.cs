using System.Globalization;
using HilBridge.Core.Engine;
using HilBridge.Traces.Format;
using HilBridge.Traces.Proto;

namespace HilBridge.Traces.Analysis;

/// <summary>Everything `hilbridge trace stats` prints, gathered in one streaming pass.</summary>
public sealed class TraceStatistics
{
    private readonly long[] _records = new long[8];

    public TraceTally Tally { get; } = new();

    /// <summary>SMMU trace lines by command ("SMMU_CMD_TLBI_NH_VA") or event name.</summary>
    public Dictionary<string, long> Smmu { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, long> GuestReports { get; } = new(StringComparer.Ordinal);

    public RunEndRecord? RunEnd { get; private set; }

    public long Records(TraceRecordKind kind) => (int)kind < _records.Length ? _records[(int)kind] : 0;

    public void Add(in TraceEntry entry)
    {
        if ((int)entry.Kind < _records.Length)
        {
            _records[(int)entry.Kind]++;
        }

        switch (entry.Kind)
        {
            case TraceRecordKind.Input:
                Tally.AddInput(entry.Input, entry.Result);
                break;
            case TraceRecordKind.Effect:
                Tally.AddEffect(entry.Effect);
                break;
            case TraceRecordKind.Smmu:
                var key = entry.Smmu!.Name == "smmuv3_cmdq_opcode" ? entry.Smmu.Message.Replace("<---", "").Trim() : entry.Smmu.Name;
                Smmu[key] = Smmu.GetValueOrDefault(key) + 1;
                break;
            case TraceRecordKind.Guest:
                GuestReports[entry.Guest!.Kind] = GuestReports.GetValueOrDefault(entry.Guest.Kind) + 1;
                break;
            case TraceRecordKind.RunEnd:
                RunEnd = entry.RunEnd;
                break;
        }
    }

    public IEnumerable<string> Render(TraceReader reader)
    {
        var inv = CultureInfo.InvariantCulture;
        var t = Tally;
        yield return string.Create(inv, $"records            {reader.RecordsRead} ({Records(TraceRecordKind.Input)} inputs, {Records(TraceRecordKind.Effect)} effects, {Records(TraceRecordKind.Smmu)} SMMU lines, {Records(TraceRecordKind.Guest)} guest reports, {Records(TraceRecordKind.AckMeasured)} measured acknowledgements), {reader.Position} bytes");
        yield return string.Create(inv, $"status             {reader.Status}{(reader.Problem is { } p ? ": " + p : "")}");
        yield return string.Create(inv, $"duration           {t.Duration.TotalSeconds:0.000} s of engine time");
        yield return "inputs             " + string.Join(", ", Enum.GetValues<EngineInputKind>().Where(k => t.Input(k) > 0).Select(k => $"{k} {t.Input(k)}"));
        yield return string.Create(inv, $"accesses           {t.Result(AccessResult.Hit)} hits, {t.Result(AccessResult.Miss)} misses, {t.Result(AccessResult.PermissionDenied)} permission denied, {t.Result(AccessResult.Fenced)} refused (fenced){(t.AccessesWithoutResult > 0 ? $", {t.AccessesWithoutResult} without result" : "")}");
        yield return "effects            " + string.Join(", ", Enum.GetValues<EffectKind>().Where(k => t.Effect(k) > 0).Select(k => $"{k} {t.Effect(k)}"));
        yield return string.Create(inv, $"invalidations      {t.Input(EngineInputKind.IotlbInvalidate)} arrived, {t.Acks} acknowledged ({t.RefusedAcks} refused), {t.Timeouts} timed out");
        yield return "ack latency        " + Latency(t);
        yield return string.Create(inv, $"fencing            {t.Fences} fences, {t.Unfences} unfences, {t.FencedTime.TotalSeconds:0.000} s fenced");
        yield return string.Create(inv, $"use-after-free     {t.Violations} violations; stragglers {t.Stragglers(StragglerOutcome.Allowed)} allowed, {t.Stragglers(StragglerOutcome.RefusedFenced)} refused, {t.Stragglers(StragglerOutcome.Violation)} violating");
        if (Smmu.Count > 0)
        {
            yield return "SMMU               " + string.Join(", ", Smmu.OrderByDescending(p => p.Value).Select(p => $"{p.Key.Replace("SMMU_CMD_", "")} {p.Value}"));
        }

        if (GuestReports.Count > 0)
        {
            yield return "guest reports      " + string.Join(", ", GuestReports.Select(p => $"{p.Key} {p.Value}"));
        }

        if (RunEnd is { } end)
        {
            yield return $"live verdict       {end.Outcome}{(end.Reason.Length > 0 ? " (" + end.Reason + ")" : "")}";
        }
    }

    public static string Latency(TraceTally t) => t.Acks == 0
        ? "-"
        : string.Create(CultureInfo.InvariantCulture,
            $"mean {Us(t.AckLatencyMean)}, p50 {Us(t.AckLatency.Percentile(50))}, p99 {Us(t.AckLatency.Percentile(99))}, max {Us(t.AckLatencyMax)}");

    public static string Us(TimeSpan? t) => t is { } x ? (x.Ticks / 10.0).ToString("0.#", CultureInfo.InvariantCulture) + " us" : "-";
}
