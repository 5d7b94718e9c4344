using HilBridge.Control.Client;
using HilBridge.Control.Hosting;
using HilBridge.Control.Server;
using HilBridge.Control.Tests.TestSupport;
using HilBridge.Live.Device;
using HilBridge.Live.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Proto = HilBridge.Control.V1;

namespace HilBridge.Control.Tests.Hosting;

/// <summary>`hilbridge serve`'s host: the bridge and the control plane in one generic host, as the CLI builds it.</summary>
public sealed class ServeControlPlaneTests
{
    [Fact]
    public async Task Serve_ControlPlaneDrivesTheServedBridge_UntilTheHostStops()
    {
        using var dir = new TempDirectory();
        var controlSocket = Path.Combine(dir.Path, "vhost.control.sock");
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddHilBridge(new BridgeOptions { DiskImage = Path.Combine(dir.Path, "disk.img"), DiskSizeBytes = 1 << 20 }, Path.Combine(dir.Path, "vhost.sock"));
        builder.Services.AddHilBridgeControlPlane(new ControlEndpoint.UnixSocket(controlSocket));
        using var host = builder.Build();
        await host.StartAsync();

        Assert.Equal(controlSocket, host.Services.GetRequiredService<ControlPlaneHostedService>().Address);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(controlSocket));
        using (var channel = ControlChannel.Create(controlSocket))
        {
            var client = new Proto.Control.ControlClient(channel);
            var status = await client.GetStatusAsync(new Proto.GetStatusRequest());
            Assert.Null(status.Run);
            Assert.Equal("hbdev", Assert.Single(status.Devices).Name);

            var policy = new Proto.Policy();
            policy.Rules.Add(new Proto.FaultRule { Name = "slow", Outcome = Proto.FaultOutcome.Complete });
            await client.SetPolicyAsync(new Proto.SetPolicyRequest { Policy = policy });
            var bridge = host.Services.GetRequiredService<BridgeHostedService>().Bridge;
            Assert.Equal("slow", Assert.Single(bridge.Policy.Rules).Name);
        }

        await host.StopAsync();
        Assert.False(File.Exists(controlSocket));
    }

    [Fact]
    public async Task Serve_FromConfiguration_ControlSocketBesideTheVhostSocket()
    {
        using var dir = new TempDirectory();
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Serve:Socket"] = Path.Combine(dir.Path, "vhost.sock"),
            ["Serve:Bridge:DiskImage"] = Path.Combine(dir.Path, "disk.img"),
            ["Serve:Bridge:DiskSizeBytes"] = (1 << 20).ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        builder.ConfigureContainer(new DefaultServiceProviderFactory(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true }));
        builder.Services.AddHilBridge(builder.Configuration);
        builder.Services.AddHilBridgeControlPlane();
        using var host = builder.Build();

        await host.StartAsync();

        Assert.Equal(Path.Combine(dir.Path, "vhost.control.sock"), host.Services.GetRequiredService<ControlPlaneHostedService>().Address);
        Assert.Equal(1 << 20, new FileInfo(Path.Combine(dir.Path, "disk.img")).Length);
        await host.StopAsync();
    }
}
