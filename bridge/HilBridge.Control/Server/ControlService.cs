using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using HilBridge.Control.Events;
using HilBridge.Control.Mapping;
using HilBridge.Control.Recording;
using HilBridge.Core.Engine;
using Microsoft.Extensions.Logging;
using Proto = HilBridge.Control.V1;

namespace HilBridge.Control.Server;

/// <summary>The hilbridge.control.v1.Control service (protos/control.proto) over a <see cref="ControlPlane"/>.</summary>
public sealed partial class ControlService(ControlPlane plane, ILogger<ControlService> logger) : Proto.Control.ControlBase
{
    public const string ApiVersion = "v1";

    public override Task<Proto.Status> GetStatus(Proto.GetStatusRequest request, ServerCallContext context)
    {
        var status = new Proto.Status
        {
            ApiVersion = ApiVersion,
            ServerVersion = typeof(ControlService).Assembly.GetName().Version?.ToString() ?? "",
            StartedAt = Timestamp.FromDateTimeOffset(plane.StartedAt),
            Recording = ToProto(plane.Recording.Status),
            Control = new Proto.ControlPlaneCounters
            {
                ProtocolErrors = plane.Counters.ProtocolErrors,
                Unauthenticated = plane.Counters.Unauthenticated,
            },
        };
        if (plane.Run is { } run)
        {
            status.Run = new Proto.RunInfo
            {
                Scenario = run.Scenario,
                OutputDirectory = run.OutputDirectory,
                RoundsReported = run.RoundsReported,
                LastGuestReport = run.LastGuestReport,
            };
        }
        status.Devices.AddRange(plane.Devices.Select(Describe));
        return Task.FromResult(status);
    }

    public override Task<Proto.ListDevicesResponse> ListDevices(Proto.ListDevicesRequest request, ServerCallContext context)
    {
        var response = new Proto.ListDevicesResponse();
        response.Devices.AddRange(plane.Devices.Select(Describe));
        return Task.FromResult(response);
    }

    public override Task<Proto.Counters> GetCounters(Proto.GetCountersRequest request, ServerCallContext context)
    {
        var device = Resolve(request.Device);
        return Task.FromResult(DeviceMapping.ToProto(device.Name, device.Bridge.Statistics()));
    }

    public override Task<Proto.Policy> GetPolicy(Proto.GetPolicyRequest request, ServerCallContext context) =>
        Task.FromResult(PolicyMapping.ToProto(Resolve(request.Device).Bridge.Policy));

    public override Task<Proto.SetPolicyResponse> SetPolicy(Proto.SetPolicyRequest request, ServerCallContext context)
    {
        var device = Resolve(request.Device);
        FaultPolicy policy;
        try
        {
            policy = PolicyMapping.FromProto(request.Policy);
        }
        catch (PolicyMappingException ex)
        {
            throw new RpcException(new Grpc.Core.Status(StatusCode.InvalidArgument, ex.Message));
        }
        device.Bridge.SetPolicy(policy);
        LogPolicySet(device.Name, policy.Rules.Count, context.Peer);
        return Task.FromResult(new Proto.SetPolicyResponse { Policy = PolicyMapping.ToProto(device.Bridge.Policy) });
    }

    public override Task<Proto.FenceResponse> Fence(Proto.FenceRequest request, ServerCallContext context)
    {
        var device = Resolve(request.Device);
        var was = device.Bridge.FenceState.IsFenced;
        var reason = request.Reason.Length > 0 ? request.Reason : "manual (control)";
        device.Bridge.Fence(reason);
        LogFenced(device.Name, reason, context.Peer);
        return Task.FromResult(new Proto.FenceResponse { Fence = DeviceMapping.ToProto(device.Bridge.FenceState), WasFenced = was });
    }

    public override Task<Proto.FenceResponse> Unfence(Proto.UnfenceRequest request, ServerCallContext context)
    {
        var device = Resolve(request.Device);
        var was = device.Bridge.FenceState.IsFenced;
        var reason = request.Reason.Length > 0 ? request.Reason : "manual (control)";
        device.Bridge.Unfence(reason);
        LogUnfenced(device.Name, reason, context.Peer);
        return Task.FromResult(new Proto.FenceResponse { Fence = DeviceMapping.ToProto(device.Bridge.FenceState), WasFenced = was });
    }

    public override async Task StreamEvents(Proto.StreamEventsRequest request, IServerStreamWriter<Proto.Event> responseStream, ServerCallContext context)
    {
        var device = Resolve(request.Device);
        var kinds = new List<EffectKind>();
        var guestFindings = false;
        foreach (var kind in request.Kinds)
        {
            if (kind == Proto.EventKind.EventsDropped)
            {
                continue; // always sent
            }

            if (kind == Proto.EventKind.GuestCorruption)
            {
                guestFindings = true;
                continue;
            }

            kinds.Add(ToEffectKind(kind) ?? throw new RpcException(new Grpc.Core.Status(StatusCode.InvalidArgument, $"kinds: {kind} is not an event kind to subscribe to")));
        }
        using var subscription = device.Events.Subscribe(new EventFilter(kinds, request.OnlyRefusedAcks, guestFindings));
        var ct = context.CancellationToken;
        try
        {
            while (await subscription.Reader.WaitToReadAsync(ct))
            {
                while (subscription.Reader.TryRead(out var e))
                {
                    await ReportDroppedAsync(device.Name, subscription, responseStream);
                    await responseStream.WriteAsync(EventMapping.ToProto(device.Name, e), ct);
                }
                await ReportDroppedAsync(device.Name, subscription, responseStream);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client went away: the subscription ends with the using.
        }
    }

    public override Task<Proto.RecordingStatus> StartRecording(Proto.StartRecordingRequest request, ServerCallContext context)
    {
        var result = plane.Recording.Start(request.Path.Length > 0 ? request.Path : null);
        if (result.Error is null)
        {
            LogRecording("started", result.State.Path ?? "", context.Peer);
        }

        return Task.FromResult(Checked(result));
    }

    public override Task<Proto.RecordingStatus> StopRecording(Proto.StopRecordingRequest request, ServerCallContext context)
    {
        var result = plane.Recording.Stop();
        if (result.Error is null)
        {
            LogRecording("stopped", result.State.Path ?? "", context.Peer);
        }

        return Task.FromResult(Checked(result));
    }

    private static async Task ReportDroppedAsync(string device, EventSubscription subscription, IServerStreamWriter<Proto.Event> stream)
    {
        if (subscription.TakeDropped() is > 0 and var dropped)
        {
            await stream.WriteAsync(EventMapping.Dropped(device, (ulong)dropped, DateTimeOffset.UtcNow));
        }
    }

    private ControlDevice Resolve(string name) =>
        plane.Find(name, out var error) ?? throw new RpcException(new Grpc.Core.Status(StatusCode.NotFound, error));

    private static Proto.Device Describe(ControlDevice d) => DeviceMapping.ToProto(d.Name, d.Bridge, d.InvalidationTimeout);

    private static EffectKind? ToEffectKind(Proto.EventKind kind) => kind switch
    {
        Proto.EventKind.Ack => EffectKind.AckInvalidation,
        Proto.EventKind.InvalidationTimedOut => EffectKind.InvalidationTimedOut,
        Proto.EventKind.Fenced => EffectKind.Fenced,
        Proto.EventKind.Unfenced => EffectKind.Unfenced,
        Proto.EventKind.Violation => EffectKind.Violation,
        Proto.EventKind.Straggler => EffectKind.StragglerAccess,
        _ => null,
    };

    private static Proto.RecordingStatus Checked(RecordingResult result) => result.Error switch
    {
        null => ToProto(result.State),
        RecordingError.Unavailable => throw new RpcException(new Grpc.Core.Status(StatusCode.Unimplemented, result.Message ?? "recording is not available")),
        RecordingError.InvalidPath => throw new RpcException(new Grpc.Core.Status(StatusCode.InvalidArgument, result.Message ?? "invalid path")),
        RecordingError.AlreadyRecording or RecordingError.NotRecording => throw new RpcException(new Grpc.Core.Status(StatusCode.FailedPrecondition, result.Message ?? result.Error.ToString()!)),
        _ => throw new RpcException(new Grpc.Core.Status(StatusCode.Internal, result.Message ?? "recording failed")),
    };

    private static Proto.RecordingStatus ToProto(RecordingState s) => new()
    {
        Active = s.Active,
        Path = s.Path ?? "",
        StartedAt = s.StartedAt is { } at ? Timestamp.FromDateTimeOffset(at) : null,
        Records = s.Records,
        Bytes = s.Bytes,
        RunTrace = s.RunTrace ?? "",
    };
}
