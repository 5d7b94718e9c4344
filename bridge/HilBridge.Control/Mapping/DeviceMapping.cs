using Google.Protobuf.WellKnownTypes;
using HilBridge.Core.Engine;
using HilBridge.Live.Device;
using HilBridge.Scenarios;
using Proto = HilBridge.Control.V1;

namespace HilBridge.Control.Mapping;

/// <summary>Device state and counters as control API messages.</summary>
public static class DeviceMapping
{
    public static Proto.Device ToProto(string name, VhostBlkBridge bridge, TimeSpan invalidationTimeout)
    {
        var device = new Proto.Device
        {
            Name = name,
            Fence = ToProto(bridge.FenceState),
            AtcEntries = bridge.AtcCount,
            PendingInvalidations = bridge.PendingInvalidations,
            InFlightAccesses = bridge.InFlightAccesses,
            FencePolicy = bridge.FencePolicy == FencePolicy.Hope ? Proto.FencePolicy.Hope : Proto.FencePolicy.Fence,
            FenceMode = bridge.FenceMode == FenceMode.Abort ? Proto.FenceMode.Abort : Proto.FenceMode.BlockTranslated,
            InvalidationTimeout = Duration.FromTimeSpan(invalidationTimeout),
            PolicyRules = bridge.Policy.Rules.Count,
            VhostSocket = bridge.SocketPath,
        };
        if (bridge.StreamId is { } sid)
        {
            device.StreamId = sid;
        }

        return device;
    }

    public static Proto.FenceState ToProto(FenceState state) => new()
    {
        Fenced = state.IsFenced,
        Reason = state.Reason ?? "",
        Since = state.Since is { } since ? Timestamp.FromDateTimeOffset(since) : null,
        DeviceStopped = state.DeviceStopped,
        DeviceRestarted = state.DeviceRestarted,
        SteInvalidated = state.SteInvalidated,
        Origin = state.IsFenced ? System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(state.Origin.ToString()) : "",
    };

    public static Proto.Counters ToProto(string name, BridgeStatistics s)
    {
        var e = s.Engine;
        var counters = new Proto.Counters
        {
            Device = name,
            Requests = s.Requests,
            RequestErrors = s.RequestErrors,
            BytesRead = s.BytesRead,
            BytesWritten = s.BytesWritten,
            AckLatencyP50 = s.AckLatencyP50 is { } p50 ? Duration.FromTimeSpan(p50) : null,
            AckLatencyP99 = s.AckLatencyP99 is { } p99 ? Duration.FromTimeSpan(p99) : null,
            Sessions = s.Sessions,
            DeviceStarts = s.DeviceStarts,
            // The named engine fields of control API v1, kept for existing clients; Engine has them all.
            AtcHits = e.AtcHits,
            AtcMisses = e.AtcMisses,
            AtcUpdates = e.AtcUpdates,
            Invalidations = e.Invalidations,
            InvalidationsAcked = e.InvalidationsAcked,
            InvalidationsRefused = e.InvalidationsRefused,
            InvalidationsTimedOut = e.InvalidationsTimedOut,
            Fences = e.Fences,
            Unfences = e.Unfences,
            RefusedAccesses = e.RefusedAccesses,
            Violations = e.Violations,
            StragglersIssued = e.StragglersIssued,
            StragglersRefused = e.StragglersRefused,
            StragglersCancelled = e.StragglersCancelled,
            LastRecovery = e.LastRecoveryTime is { } r ? Duration.FromTimeSpan(r) : null,
        };
        foreach (var counter in EngineCounterSnapshot.All)
        {
            counters.Engine[counter.Name] = counter.Read(e);
        }

        return counters;
    }
}
