using System.Text;
using System.Text.Json.Serialization;
using HilBridge.Core.Engine;

namespace HilBridge.Scenarios;

/// <summary>What a live run produced: the guest's verdict on its data and the bridge's counters.</summary>
public sealed record RunSummary
{
    /// <summary><see cref="Json.ResultJson.SchemaVersion"/> when written by this version; 0 when read from an older summary.</summary>
    [JsonPropertyOrder(-1)]
    public int SchemaVersion { get; init; } = Json.ResultJson.SchemaVersion;

    public string? Scenario { get; init; }
    /// <summary>Written as "passed", "failed", "aborted" or "completed" (before judging), as summaries always were.</summary>
    [JsonConverter(typeof(RunOutcomeJsonConverter))]
    public required RunOutcome Outcome { get; init; }
    public string? Reason { get; init; }
    public bool? DataVerified { get; init; }
    public int Rounds { get; init; }
    public int RoundsVerified { get; init; }
    public int GuestIoErrors { get; init; }
    public int GuestRecoveries { get; init; }
    public double? BootSeconds { get; init; }               // launch -> workload start (wall)
    public double? GuestUptimeAtStart { get; init; }
    public double WallSeconds { get; init; }
    public uint? StreamId { get; init; }
    public required BridgeStatistics Bridge { get; init; }

    /// <summary>The IOMMU the guest ran behind (smmuv3, vtd); null in summaries written before there was a choice (SMMUv3).</summary>
    public string? Iommu { get; init; }

    /// <summary>
    /// The guest's IOMMU commands seen in QEMU's trace, by name: SMMUv3 opcodes ("SMMU_CMD_CFGI_STE") or VT-d
    /// invalidation descriptor types ("device-iotlb", "wait", "context-cache"; see <see cref="IommuKind"/>).
    /// </summary>
    public IReadOnlyDictionary<string, long> IommuCommands { get; init; } = new Dictionary<string, long>();

    /// <summary>Summaries written before VT-d named <see cref="IommuCommands"/> "SmmuCommands": still read, never written.</summary>
    [JsonPropertyName("SmmuCommands"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, long>? LegacySmmuCommands
    {
        get => null;
        init
        {
            if (value is not null)
            {
                IommuCommands = value;
            }
        }
    }

    /// <summary>VT-d on stock QEMU: the guest's vCPU stall per device-IOTLB invalidation; null when not measured.</summary>
    public InvalidationStallStatistics? InvalidationStall { get; init; }
    public string? Guest { get; init; }

    /// <summary>The guest kernel: release and source (stable, unstable, build, file, custom).</summary>
    public GuestKernelInfo? Kernel { get; init; }
    public IReadOnlyList<ExpectationResult> Expectations { get; init; } = [];
    public IReadOnlyList<ViolationRecord> ViolationDetails { get; init; } = [];

    /// <summary>Guest-visible ATS only: what crossed the SMMU's ATS port.</summary>
    public AtsPortStatistics? AtsPort { get; init; }

    /// <summary>The guest kernel's own IOMMU timeout messages on its console, counted and the first kept.</summary>
    public int GuestAtcInvalidateTimeouts { get; init; }
    public int GuestCmdSyncTimeouts { get; init; }
    public IReadOnlyList<string> GuestTimeoutMessages { get; init; } = [];

    /// <summary>
    /// The guest's witness (workload.witness): rounds it checked, runs of bytes it found changed (its own
    /// count), and the first findings with the straggler each maps to. Independent of the engine's verdict.
    /// </summary>
    public int GuestWitnessRounds { get; init; }
    public int GuestCorruptions { get; init; }
    public IReadOnlyList<GuestFinding> GuestFindings { get; init; } = [];

    [JsonIgnore]
    public bool Passed => Outcome == RunOutcome.Passed;

    public string Render()
    {
        var b = Bridge;
        var e = b.Engine;
        var s = new StringBuilder();
        s.AppendLine("== HilBridge run summary ==");
        if (Scenario is not null)
        {
            s.AppendLine($"scenario           {Scenario}");
        }

        s.AppendLine($"outcome            {Outcome.ToText()}{(Reason is null ? "" : " (" + Reason + ")")}");
        if (Kernel is not null)
        {
            s.AppendLine($"guest kernel       {Kernel}");
        }

        s.AppendLine($"guest I/O          {(DataVerified is true ? "verified" : DataVerified is false ? "NOT verified" : "no verdict")} ({RoundsVerified}/{Rounds} rounds, {GuestIoErrors} I/O errors, {GuestRecoveries} recoveries)");
        s.AppendLine($"boot               {Fmt(BootSeconds)} s to workload (guest uptime {Fmt(GuestUptimeAtStart)} s), run {WallSeconds:F1} s");
        var iommu = IommuNames.TryParse(Iommu ?? "smmuv3", out var kind) ? kind : IommuKind.SmmuV3;
        s.AppendLine($"device             {iommu.RequesterIdName()} {(StreamId is { } sid ? $"0x{sid:x}" : "unknown")}, {b.Requests} virtio-blk requests ({b.RequestErrors} IOERR{(b.StatusUnwritten > 0 ? $", {b.StatusUnwritten} WITHOUT a status byte" : "")}), {b.BytesRead / 1024} KiB read, {b.BytesWritten / 1024} KiB written");
        s.AppendLine($"vhost-user         {b.Sessions} sessions, {b.DeviceStarts} device starts, {b.RequestsResubmitted} requests resubmitted after a takeover, {b.RequestsInFlight} in flight at the end");
        s.AppendLine($"ATC                {e.AtcMisses} misses, {e.AtcUpdates} updates, {e.AtcHits} hits, {e.Invalidations} invalidations");
        s.AppendLine($"invalidations      {e.InvalidationsAcked} acknowledged ({e.InvalidationsRefused} refused, {e.InvalidationsTimedOut} timed out), ack latency p50 {Us(b.AckLatencyP50)} p99 {Us(b.AckLatencyP99)} (model delay p50 {Us(e.AckLatencyP50)} p99 {Us(e.AckLatencyP99)})");
        s.AppendLine($"fencing            {e.Fences} fences ({FenceOrigins(e)}), {e.Unfences} unfences, {e.RefusedAccesses} refused requests, recovery {Fmt(e.LastRecoveryTime?.TotalSeconds)} s");
        s.AppendLine($"use-after-free     {e.Violations} violations ({e.StragglersIssued} stragglers, {e.StragglersRefused} refused, {e.StragglersCancelled} cancelled by a reset)");
        if (b.StragglerBytesWritten + b.StragglerBytesRead + b.StragglerFaults > 0)
        {
            s.AppendLine($"straggler DMA      {b.StragglerBytesWritten} B of poison written to guest memory, {b.StragglerBytesRead} B read from it, {b.StragglerFaults} outside it");
        }

        if (GuestWitnessRounds > 0)
        {
            int matched = GuestFindings.Count(f => f.Explained);
            s.AppendLine($"guest witness      {GuestCorruptions} corrupted runs found by the guest in {GuestWitnessRounds} rounds ({matched} of the {GuestFindings.Count} kept match a straggler)");
            foreach (var f in GuestFindings.Take(3))
            {
                s.AppendLine($"  guest found      {f}");
            }
        }

        foreach (var v in ViolationDetails.Take(3))
        {
            s.AppendLine($"  violation        {v}");
        }

        if (ViolationDetails.Count > 3)
        {
            s.AppendLine($"  ...              {e.Violations - 3} more (summary.json keeps the first {ViolationDetails.Count})");
        }

        if (AtsPort is { } a)
        {
            var sizes = string.Join(" ", a.SpanSizes.OrderBy(p => p.Key).Select(p => $"{p.Key}:{p.Value}"));
            s.AppendLine($"ATS port           {a.AtcInvalidations} guest ATC_INV received ({a.OtherStreamInvalidations} for other StreamIDs; by size {sizes}), {a.CompletionsSent} completions sent ({a.FailedCompletionsSent} failed, {a.CompletionsWithheld} withheld: no device answer, {a.LateCompletions} late), delay p50 {Ms(a.CompletionDelayP50)} p99 {Ms(a.CompletionDelayP99)} max {Ms(a.CompletionDelayMax)}");
            s.AppendLine($"SMMU with ATS      {a.Syncs} CMD_SYNCs waited for completions (p50 {Ms(a.SyncWaitP50)}, max {Ms(a.SyncWaitMax)}), {a.SyncErrors} reported CERROR_ATC_INV_SYNC, {a.SmmuTimeouts} hardware timeouts ({a.SmmuTimeoutMs} ms); STE {a.SteReports} reports, {a.SteFences} fences, {a.SteUnfences} unfences{(a.AtcInvalidationsAfterSteUnfence is { } after ? $" ({after} ATC_INV since the last)" : "")}");
            if (a.FailedFlushes > 0)
            {
                s.AppendLine($"flush ordering     {a.FailedFlushes} failed flushes: {a.FlushesCompletedFenced} completed after a fence (shortest lead {Ms(a.FenceLeadMin)}), {a.FlushesCompletedUnfenced} completed with the device unfenced");
            }

            s.AppendLine($"ATS port link      {a.Connections} connections, {a.ProtocolErrors} protocol errors, {a.CompletionsDropped} completions found no connection");
        }
        if (AtsPort is not null || GuestTimeoutMessages.Count > 0)
        {
            s.AppendLine($"guest timeouts     {GuestAtcInvalidateTimeouts} \"ATC invalidate timeout\" or \"Invalidation Time-out Error (ITE) cleared\", {GuestCmdSyncTimeouts} \"CMD_SYNC timeout\" (guest kernel console)");
        }

        foreach (var m in GuestTimeoutMessages.Take(2))
        {
            s.AppendLine($"  guest said       {m}");
        }

        if (IommuCommands.Count > 0)
        {
            s.AppendLine($"IOMMU commands     {iommu.Key()}: {string.Join(", ", IommuCommands.OrderByDescending(p => p.Value).Select(p => $"{p.Key.Replace("SMMU_CMD_", "")} {p.Value}"))}");
        }

        if (InvalidationStall is { } stall)
        {
            s.AppendLine($"guest stall        {stall}");
        }

        if (Guest is not null)
        {
            s.AppendLine($"guest image        {Guest}");
        }
        // Every engine counter by name, so one the lines above do not describe is still readable.
        s.AppendLine($"engine counters    {string.Join(", ", EngineCounterSnapshot.All.Select(c => $"{c.Name} {c.Read(e)}"))}");
        foreach (var x in Expectations)
        {
            s.AppendLine($"expect             {x}");
        }

        return s.ToString();
    }

    /// <summary>Who fenced: "none", or e.g. "bridge 1, guest quarantine 1, guest block 1".</summary>
    public static string FenceOrigins(EngineCounterSnapshot e)
    {
        var parts = new List<string>(4);
        if (e.BridgeFences > 0) { parts.Add($"bridge {e.BridgeFences}"); }
        if (e.GuestQuarantines > 0) { parts.Add($"guest quarantine {e.GuestQuarantines}"); }
        if (e.GuestBlocks > 0) { parts.Add($"guest block {e.GuestBlocks}"); }
        if (e.OperatorFences > 0) { parts.Add($"operator {e.OperatorFences}"); }
        return parts.Count == 0 ? "none" : string.Join(", ", parts);
    }

    private static string Fmt(double? v) => v is { } x ? x.ToString("F2") : "-";

    private static string Us(TimeSpan? t) => t is { } x ? $"{x.TotalMicroseconds:F0} us" : "-";

    private static string Ms(TimeSpan? t) => t is { } x ? $"{x.TotalMilliseconds:F1} ms" : "-";
}
