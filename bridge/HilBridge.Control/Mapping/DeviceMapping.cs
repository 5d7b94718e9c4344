using Google.Protobuf.WellKnownTypes;
using HilBridge.Core.Engine;
using HilBridge.Host.Device;
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
            device.StreamId = sid;
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
    };

    public static Proto.Counters ToProto(string name, BridgeStatistics s) => new()
    {
        Device = name,
        Requests = s.Requests,
        RequestErrors = s.RequestErrors,
        BytesRead = s.BytesRead,
        BytesWritten = s.BytesWritten,
        AtcHits = s.AtcHits,
        AtcMisses = s.AtcMisses,
        AtcUpdates = s.AtcUpdates,
        Invalidations = s.Invalidations,
        InvalidationsAcked = s.InvalidationsAcked,
        InvalidationsRefused = s.InvalidationsRefused,
        InvalidationsTimedOut = s.InvalidationsTimedOut,
        AckLatencyP50 = s.AckLatencyP50 is { } p50 ? Duration.FromTimeSpan(p50) : null,
        AckLatencyP99 = s.AckLatencyP99 is { } p99 ? Duration.FromTimeSpan(p99) : null,
        Fences = s.Fences,
        Unfences = s.Unfences,
        RefusedAccesses = s.RefusedAccesses,
        Violations = s.Violations,
        StragglersIssued = s.StragglersIssued,
        StragglersRefused = s.StragglersRefused,
        StragglersCancelled = s.StragglersCancelled,
        LastRecovery = s.LastRecoverySeconds is { } r ? Duration.FromTimeSpan(TimeSpan.FromSeconds(r)) : null,
        Sessions = s.Sessions,
        DeviceStarts = s.DeviceStarts,
    };
}
