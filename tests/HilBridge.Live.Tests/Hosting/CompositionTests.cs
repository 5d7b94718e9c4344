using System.Reflection;
using HilBridge.Live.AtsPort;
using HilBridge.Live.Guest;
using HilBridge.Live.Hosting;
using HilBridge.Live.Run;
using HilBridge.Live.Soak;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HilBridge.Live.Tests.Hosting;

/// <summary>Each mode's host builds with the container validating every registration, and resolves its services.</summary>
public sealed class CompositionTests
{
    private static IHost Build(Action<IServiceCollection, IConfiguration> add, Dictionary<string, string?>? settings = null)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings ?? []);
        builder.Logging.ClearProviders();
        builder.ConfigureContainer(new DefaultServiceProviderFactory(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true }));
        add(builder.Services, builder.Configuration);
        return builder.Build();
    }

    [Fact]
    public void AddHilBridgeLiveRun_Built_ResolvesRunnerAndHostedRun()
    {
        using var host = Build((s, c) => s.AddHilBridgeLiveRun(c));

        Assert.NotNull(host.Services.GetRequiredService<LiveRunner>());
        Assert.IsType<SetupScriptGuestImageSource>(host.Services.GetRequiredService<IGuestImageSource>());
        Assert.IsType<BuildScriptPatchedQemuSource>(host.Services.GetRequiredService<IPatchedQemuSource>());
        Assert.Single(host.Services.GetServices<IHostedService>().OfType<LiveRunHostedService>());
    }

    [Fact]
    public void AddHilBridgeSoak_Built_ResolvesSoakRunnerWithItsOptions()
    {
        using var host = Build((s, c) => s.AddHilBridgeSoak(c), new() { ["Soak:Blocks"] = "64" });

        Assert.NotNull(host.Services.GetRequiredService<SoakRunner>());
        Assert.Equal(64, host.Services.GetRequiredService<IOptions<SoakOptions>>().Value.Blocks);
    }

    [Fact]
    public void AddHilBridge_Built_ServeOptionsAbsoluteAndBridgeHosted()
    {
        using var host = Build((s, c) => s.AddHilBridge(c), new() { ["Serve:Socket"] = "vhost.sock", ["Serve:Bridge:DiskImage"] = "disk.img" });

        var options = host.Services.GetRequiredService<IOptions<ServeOptions>>().Value;
        Assert.Equal(Path.GetFullPath("vhost.sock"), options.Socket);
        Assert.Equal(Path.GetFullPath("disk.img"), options.Bridge.DiskImage);
        Assert.Same(host.Services.GetRequiredService<BridgeHostedService>(), host.Services.GetServices<IHostedService>().OfType<BridgeHostedService>().Single());
    }

    [Fact]
    public async Task AddHilBridge_InvalidOptions_StartFailsBeforeTheSocketExists()
    {
        var dir = Directory.CreateTempSubdirectory("hilbridge-serve-").FullName;
        try
        {
            var socket = Path.Combine(dir, "vhost.sock");
            using var host = Build((s, c) => s.AddHilBridge(c), new() { ["Serve:Socket"] = socket, ["Serve:Bridge:DiskImage"] = Path.Combine(dir, "disk.img"), ["Serve:Bridge:DiskSizeBytes"] = "0" });

            var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

            Assert.Contains("--disk-size must be positive (Serve:Bridge:DiskSizeBytes is 0)", error.Failures);
            Assert.False(File.Exists(socket));
            Assert.False(File.Exists(Path.Combine(dir, "disk.img")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData(typeof(LiveRunner))]
    [InlineData(typeof(LiveRunPlanner))]
    [InlineData(typeof(LiveRunHostedService))]
    [InlineData(typeof(BridgeHostedService))]
    [InlineData(typeof(SoakRunner))]
    [InlineData(typeof(RepositoryLayout))]
    [InlineData(typeof(SetupScriptGuestImageSource))]
    [InlineData(typeof(BuildScriptPatchedQemuSource))]
    public void Constructors_ContainerBuilt_TakeTheirDependenciesNotTheServiceProvider(Type type)
    {
        var parameters = type.GetConstructors(BindingFlags.Public | BindingFlags.Instance).SelectMany(c => c.GetParameters());

        Assert.DoesNotContain(parameters, p => p.ParameterType == typeof(IServiceProvider));
    }
}
