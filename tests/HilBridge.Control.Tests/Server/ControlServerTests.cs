using Grpc.Core;
using Grpc.Reflection.V1Alpha;
using HilBridge.Control.Client;
using HilBridge.Control.Recording;
using HilBridge.Control.Server;
using HilBridge.Control.Tests.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Proto = HilBridge.Control.V1;

namespace HilBridge.Control.Tests.Server;

/// <summary>The real server and client over a real UNIX socket, with a real bridge that has no QEMU attached.</summary>
public sealed class ControlServerTests : IAsyncLifetime
{
    private readonly TestBridge _bridge = new();
    private ControlDevice _device = null!;
    private ControlServer _server = null!;

    private string SocketPath => Path.Combine(_bridge.Directory, "control.sock");

    public async Task InitializeAsync()
    {
        _device = new ControlDevice("hbdev", _bridge.Bridge, TimeSpan.FromSeconds(1));
        var plane = new ControlPlane([_device], new RunProgress("unit", _bridge.Directory), new UnavailableRecording("no recorder in this test"), DateTimeOffset.UtcNow);
        _server = await ControlServer.StartAsync(new ControlEndpoint.UnixSocket(SocketPath), plane, NullLoggerFactory.Instance, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        _device.Dispose();
        await _server.DisposeAsync();
        _bridge.Dispose();
    }

    [Fact]
    public void Start_UnixSocket_IsOwnerOnly()
    {
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(SocketPath));
    }

    [Fact]
    public async Task GetStatus_ReportsVersionRunAndDevice()
    {
        using var channel = ControlChannel.Create(SocketPath);
        var status = await new Proto.Control.ControlClient(channel).GetStatusAsync(new Proto.GetStatusRequest());

        Assert.Equal("v1", status.ApiVersion);
        Assert.Equal("unit", status.Run.Scenario);
        var device = Assert.Single(status.Devices);
        Assert.Equal("hbdev", device.Name);
        Assert.False(device.HasStreamId);
        Assert.False(device.Fence.Fenced);
        Assert.Equal(TimeSpan.FromSeconds(1), device.InvalidationTimeout.ToTimeSpan());
        Assert.Equal(Proto.FencePolicy.Fence, device.FencePolicy);
    }

    [Fact]
    public async Task SetPolicy_ThenGetPolicy_BridgeUsesIt()
    {
        using var channel = ControlChannel.Create(SocketPath);
        var client = new Proto.Control.ControlClient(channel);
        var policy = new Proto.Policy();
        policy.Rules.Add(new Proto.FaultRule { Name = "lost", EveryNth = 20, Limit = 1, Outcome = Proto.FaultOutcome.Drop });

        var set = await client.SetPolicyAsync(new Proto.SetPolicyRequest { Policy = policy });
        var read = await client.GetPolicyAsync(new Proto.GetPolicyRequest { Device = "hbdev" });

        Assert.Equal(policy, set.Policy);
        Assert.Equal(policy, read);
        var rule = Assert.Single(_bridge.Bridge.Policy.Rules);
        Assert.Equal(("lost", 20, Core.Engine.FaultOutcome.Drop), (rule.Name, rule.EveryNth!.Value, rule.Outcome));
    }

    [Fact]
    public async Task SetPolicy_InvalidRule_InvalidArgumentAndPolicyUnchanged()
    {
        using var channel = ControlChannel.Create(SocketPath);
        var policy = new Proto.Policy();
        policy.Rules.Add(new Proto.FaultRule { Name = "bad", EveryNth = 0 });

        var ex = await Assert.ThrowsAsync<RpcException>(() => new Proto.Control.ControlClient(channel).SetPolicyAsync(new Proto.SetPolicyRequest { Policy = policy }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains("rules[0]", ex.Status.Detail);
        Assert.Empty(_bridge.Bridge.Policy.Rules);
    }

    [Fact]
    public async Task FenceUnfence_ChangeStateAndStreamEvents()
    {
        using var channel = ControlChannel.Create(SocketPath);
        var client = new Proto.Control.ControlClient(channel);
        var request = new Proto.StreamEventsRequest();
        request.Kinds.Add(Proto.EventKind.Fenced);
        request.Kinds.Add(Proto.EventKind.Unfenced);
        using var events = client.StreamEvents(request);
        await WaitForSubscriberAsync();

        var fenced = await client.FenceAsync(new Proto.FenceRequest { Reason = "unit fence" });
        var unfenced = await client.UnfenceAsync(new Proto.UnfenceRequest { Reason = "unit unfence" });

        Assert.True(fenced.Fence.Fenced);
        Assert.False(fenced.WasFenced);
        Assert.Equal("unit fence", fenced.Fence.Reason);
        Assert.True(unfenced.WasFenced);
        Assert.False(unfenced.Fence.Fenced);
        Assert.False(_bridge.Bridge.FenceState.IsFenced);
        Assert.True(await events.ResponseStream.MoveNext());
        Assert.Equal((Proto.EventKind.Fenced, "unit fence"), (events.ResponseStream.Current.Kind, events.ResponseStream.Current.Reason));
        Assert.True(await events.ResponseStream.MoveNext());
        Assert.Equal((Proto.EventKind.Unfenced, "unit unfence"), (events.ResponseStream.Current.Kind, events.ResponseStream.Current.Reason));
        var counters = await client.GetCountersAsync(new Proto.GetCountersRequest());
        Assert.Equal((1, 1), (counters.Fences, counters.Unfences));
    }

    [Fact]
    public async Task StreamEvents_ServerStops_StreamEndsCleanly()
    {
        using var channel = ControlChannel.Create(SocketPath);
        using var events = new Proto.Control.ControlClient(channel).StreamEvents(new Proto.StreamEventsRequest());
        await WaitForSubscriberAsync();

        _device.Dispose();

        Assert.False(await events.ResponseStream.MoveNext());
    }

    [Fact]
    public async Task UnknownDevice_NotFoundNamingTheDevices()
    {
        using var channel = ControlChannel.Create(SocketPath);

        var ex = await Assert.ThrowsAsync<RpcException>(() => new Proto.Control.ControlClient(channel).GetCountersAsync(new Proto.GetCountersRequest { Device = "nope" }).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
        Assert.Contains("hbdev", ex.Status.Detail);
    }

    [Fact]
    public async Task StartRecording_NoRecorder_Unimplemented()
    {
        using var channel = ControlChannel.Create(SocketPath);

        var ex = await Assert.ThrowsAsync<RpcException>(() => new Proto.Control.ControlClient(channel).StartRecordingAsync(new Proto.StartRecordingRequest()).ResponseAsync);

        Assert.Equal(StatusCode.Unimplemented, ex.StatusCode);
    }

    [Fact]
    public async Task Reflection_ListsTheControlService()
    {
        using var channel = ControlChannel.Create(SocketPath);
        using var call = new ServerReflection.ServerReflectionClient(channel).ServerReflectionInfo();

        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext());

        var names = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Contains("hilbridge.control.v1.Control", names);
    }

    [Fact]
    public async Task Start_TcpPortZero_ReportsBoundLoopbackAddress()
    {
        var plane = new ControlPlane([_device], null, new UnavailableRecording("none"), DateTimeOffset.UtcNow);
        await using var tcp = await ControlServer.StartAsync(new ControlEndpoint.Tcp(System.Net.IPAddress.Loopback, 0), plane, NullLoggerFactory.Instance, CancellationToken.None);

        Assert.StartsWith("http://127.0.0.1:", tcp.Address);
        Assert.DoesNotContain(":0", tcp.Address["http://127.0.0.1".Length..]);
        using var channel = ControlChannel.Create(tcp.Address, tcp.Token);
        var devices = await new Proto.Control.ControlClient(channel).ListDevicesAsync(new Proto.ListDevicesRequest());
        Assert.Equal("hbdev", Assert.Single(devices.Devices).Name);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000000")]
    public async Task Tcp_CallerWithoutTheToken_RefusedUnauthenticated(string? token)
    {
        var plane = new ControlPlane([_device], null, new UnavailableRecording("none"), DateTimeOffset.UtcNow);
        await using var tcp = await ControlServer.StartAsync(new ControlEndpoint.Tcp(System.Net.IPAddress.Loopback, 0), plane, NullLoggerFactory.Instance, CancellationToken.None);
        using var channel = ControlChannel.Create(tcp.Address, token);

        var e = await Assert.ThrowsAsync<RpcException>(() => new Proto.Control.ControlClient(channel).ListDevicesAsync(new Proto.ListDevicesRequest()).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
        // Reflection too: nothing is served to a caller that cannot read the token file.
        using var reflection = new ServerReflection.ServerReflectionClient(channel).ServerReflectionInfo();
        try
        {
            await reflection.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        }
        catch (RpcException)
        {
            // The 401 may end the call before the write: the write then fails as Cancelled, and the call's
            // own status (read below) says why.
        }

        var refused = await Assert.ThrowsAsync<RpcException>(() => reflection.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
    }

    [Fact]
    public void Unix_NoToken_TheSocketModeGuardsIt()
    {
        Assert.Null(_server.Token);
    }

    [Fact]
    public async Task Tcp_NonLoopbackWithoutAllowRemote_Refused()
    {
        var plane = new ControlPlane([_device], null, new UnavailableRecording("none"), DateTimeOffset.UtcNow);

        var e = await Assert.ThrowsAsync<ArgumentException>(() =>
            ControlServer.StartAsync(new ControlEndpoint.Tcp(System.Net.IPAddress.Any, 0), plane, NullLoggerFactory.Instance, CancellationToken.None));

        Assert.Contains("--control-allow-remote", e.Message);
    }

    [Fact]
    public void TokenFile_WrittenOwnerOnly()
    {
        var path = Path.Combine(_bridge.Directory, "control.token");
        var token = ControlToken.Generate();

        ControlToken.Write(path, token);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(token, ControlToken.Read(path));
        Assert.Equal(64, token.Length);
    }

    private async Task WaitForSubscriberAsync()
    {
        // The server subscribes when the call arrives; effects before that are not the stream's.
        for (var i = 0; i < 200 && _device.Events.SubscriberCount == 0; i++)
        {
            await Task.Delay(10);
        }

        Assert.Equal(1, _device.Events.SubscriberCount);
    }
}
