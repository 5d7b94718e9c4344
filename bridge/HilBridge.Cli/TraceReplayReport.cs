using System.Globalization;
using HilBridge.Live.Replay;
using HilBridge.Scenarios;
using HilBridge.Traces.Analysis;
using HilBridge.Traces.Replay;

namespace HilBridge.Cli;

/// <summary>The text `hilbridge replay` prints: the exact-replay verdict, or the what-if comparison table.</summary>
internal static class TraceReplayReport
{
    public static void WriteExact(TextWriter o, ReplayResult r, TraceVerdict? verdict)
    {
        var t = r.Recorded;
        if (r.Mismatch is { } m)
        {
            o.WriteLine("NOT reproduced: " + m);
        }
        else
        {
            o.WriteLine($"reproduced: {t.Inputs} inputs and {t.Effects} decisions, every effect and access result identical " +
                $"({t.Acks} acks, {t.Fences} fences, {t.Unfences} unfences, {t.Violations} violations, {t.Timeouts} timeouts)");
        }

        if (r.RejectedInputs > 0)
        {
            o.WriteLine($"note: {r.RejectedInputs} recorded inputs were rejected by the engine (invalid arguments), as they were live");
        }

        WriteVerdict(o, verdict, "replay");
    }

    public static void WriteComparison(TextWriter o, ReplayResult r, TraceVerdict? verdict)
    {
        var a = r.Recorded;
        var b = r.Replayed;
        o.WriteLine($"{"",-28}{"recorded",14}{"what-if",14}{"change",14}");
        Row(o, "invalidations acked", a.Acks, b.Acks);
        Row(o, "  refused (non-zero reply)", a.RefusedAcks, b.RefusedAcks);
        Row(o, "  timed out", a.Timeouts, b.Timeouts);
        Row(o, "fences", a.Fences, b.Fences);
        Row(o, "unfences", a.Unfences, b.Unfences);
        Row(o, "refused accesses (fenced)", a.RefusedAccesses, b.RefusedAccesses);
        Row(o, "violations (UAF)", a.Violations, b.Violations);
        Row(o, "stragglers refused", a.Stragglers(Core.Engine.StragglerOutcome.RefusedFenced), b.Stragglers(Core.Engine.StragglerOutcome.RefusedFenced));
        Time(o, "ack latency mean", a.AckLatencyMean, b.AckLatencyMean);
        Time(o, "ack latency p99", a.AckLatency.Percentile(99), b.AckLatency.Percentile(99));
        Time(o, "ack latency max", a.AckLatencyMax, b.AckLatencyMax);
        Time(o, "ack latency total (added)", a.AckLatencyTotal, b.AckLatencyTotal);
        Time(o, "time fenced", a.FencedTime, b.FencedTime);
        WriteVerdict(o, verdict, "what-if");
        // A verdict that changed says so on its own line above; the same verdict can still hide other decisions.
        if (verdict is not { Same: false })
        {
            var differences = Differences(r, verdict);
            o.WriteLine(differences.Count == 0
                ? "the what-if decides as the live run did: the same acks, timeouts, fences, violations and refusals"
                : "but the what-if DIFFERS from the live run: " + string.Join(", ", differences));
        }
        var adj = r.Adjustments;
        o.WriteLine("how: the recorded inputs are replayed as the device's demand on an engine with the new settings; " +
            "the guest's reaction to different decisions (I/O errors, recoveries, retries) is not modelled.");
        o.WriteLine($"     {adj.RecordedTimersSkipped} recorded timer inputs replaced by the new engine's own deadlines; " +
            $"{adj.AccessResultsChanged} accesses decided differently ({adj.ExtraHitsEndedAtOnce} new hits ended at once, " +
            $"{adj.EndsWithoutAccess} recorded ends with nothing to end){(adj.SetPoliciesIgnored > 0 ? $"; {adj.SetPoliciesIgnored} recorded SetPolicy inputs ignored" : "")}.");
    }

    /// <summary>
    /// What a what-if decided differently from the live run ("violations 0 -> 3"); empty when every decision
    /// count and the verdict match. `replay --fail-on-difference` exits 1 on any. Latencies are not compared:
    /// the what-if engine fires its own timers, so they differ by timer slack even under the recorded settings.
    /// </summary>
    public static IReadOnlyList<string> Differences(ReplayResult r, TraceVerdict? verdict)
    {
        var (a, b) = (r.Recorded, r.Replayed);
        var differences = new List<string>();
        void Count(string name, long recorded, long replayed)
        {
            if (recorded != replayed)
            {
                differences.Add(string.Create(CultureInfo.InvariantCulture, $"{name} {recorded} -> {replayed}"));
            }
        }

        Count("violations", a.Violations, b.Violations);
        Count("fences", a.Fences, b.Fences);
        Count("unfences", a.Unfences, b.Unfences);
        Count("acks", a.Acks, b.Acks);
        Count("refused acks", a.RefusedAcks, b.RefusedAcks);
        Count("timeouts", a.Timeouts, b.Timeouts);
        Count("refused accesses", a.RefusedAccesses, b.RefusedAccesses);
        Count("stragglers refused", a.Stragglers(Core.Engine.StragglerOutcome.RefusedFenced), b.Stragglers(Core.Engine.StragglerOutcome.RefusedFenced));
        if (verdict is { Same: false })
        {
            differences.Add($"verdict {verdict.Recorded.ToText()} -> {verdict.Replayed.ToText()}");
        }

        return differences;
    }

    public static object Figures(TraceTally t) => new
    {
        inputs = t.Inputs,
        effects = t.Effects,
        acks = t.Acks,
        refusedAcks = t.RefusedAcks,
        timeouts = t.Timeouts,
        fences = t.Fences,
        unfences = t.Unfences,
        refusedAccesses = t.RefusedAccesses,
        violations = t.Violations,
        // TimeSpans become *Us numbers (ResultJson): ackLatencyMeanUs, ackLatencyTotalUs, fencedTimeUs.
        ackLatencyMean = t.AckLatencyMean,
        ackLatency = LatencySummary.From(t.AckLatency),
        ackLatencyTotal = t.AckLatencyTotal,
        fencedTime = t.FencedTime,
    };

    private static void WriteVerdict(TextWriter o, TraceVerdict? verdict, string what)
    {
        if (verdict is null)
        {
            o.WriteLine("verdict: none (the trace has no run summary: an import, or a run that did not finish)");
            return;
        }

        o.WriteLine(verdict.Same
            ? $"verdict: {verdict.Replayed.ToText()} ({what}), {(what == "replay" ? "identical to" : "as")} the live run's"
            : $"verdict: {verdict.Replayed.ToText()} ({what}) but the live run was {verdict.Recorded.ToText()}");
        foreach (var e in verdict.Expectations)
        {
            o.WriteLine($"  expect {e}");
        }

        if (verdict.GuestFindings.Count > 0)
        {
            var f = verdict.GuestFindings;
            int refused = f.Count(x => x.StragglerOutcome == Core.Engine.StragglerOutcome.RefusedFenced);
            o.WriteLine($"guest witness: {f.Count} findings recorded; in this {what}: {f.Count(x => x.Explained)} written by a straggler, " +
                $"{refused} by stragglers the engine refuses, {f.Count - refused - f.Count(x => x.Explained)} by none");
            foreach (var x in f.Take(5))
            {
                o.WriteLine($"  guest found {x}");
            }
        }
    }

    private static void Row(TextWriter o, string name, long recorded, long replayed) =>
        o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-28}{recorded,14}{replayed,14}{Delta(replayed - recorded),14}"));

    private static void Time(TextWriter o, string name, TimeSpan? recorded, TimeSpan? replayed)
    {
        var delta = recorded is { } x && replayed is { } y ? Sign(y - x) : "";
        o.WriteLine($"{name,-28}{TraceStatistics.Us(recorded),14}{TraceStatistics.Us(replayed),14}{delta,14}");
    }

    private static string Delta(long d) => d == 0 ? "" : d > 0 ? "+" + d : d.ToString(CultureInfo.InvariantCulture);

    private static string Sign(TimeSpan d) => d == TimeSpan.Zero ? "" : (d > TimeSpan.Zero ? "+" : "-") + TraceStatistics.Us(d.Duration());
}
