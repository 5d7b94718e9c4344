using HilBridge.Live.AtsPort;
using HilBridge.Live.Device;
using HilBridge.Live.Guest;
using HilBridge.Live.Run;
using HilBridge.Live.Soak;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace HilBridge.Live.Hosting;

/// <summary>
/// One entry per mode (serve, run, soak), each composed of the small steps below. Options are bound from
/// configuration (<see cref="HilBridgeConfiguration"/>) and validated when the host starts, so a bad value
/// fails before a socket or a guest exists.
/// </summary>
public static class ServiceCollectionExtensions
{
    /// <summary>The bridge alone, serving a vhost-user socket until the host stops (`hilbridge serve`); options from "Serve".</summary>
    public static IServiceCollection AddHilBridge(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddHilBridgeBasics(configuration);
        services.AddValidatedOptions<ServeOptions, ServeOptionsValidator>().Bind(configuration.GetSection(ServeOptions.Section));
        return services.AddServedBridge();
    }

    /// <summary>The bridge alone with options given in code (tests, embedding).</summary>
    public static IServiceCollection AddHilBridge(this IServiceCollection services, BridgeOptions options, string socketPath)
    {
        services.AddHilBridgeBasics(new ConfigurationBuilder().Build());
        services.AddValidatedOptions<ServeOptions, ServeOptionsValidator>().Configure(o => { o.Bridge = options; o.Socket = socketPath; });
        return services.AddServedBridge();
    }

    /// <summary>One live run against a QEMU guest, after which the host stops (`hilbridge run`); options from "Run".</summary>
    public static IServiceCollection AddHilBridgeLiveRun(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddHilBridgeLiveRunner(configuration);
        services.AddValidatedOptions<LiveRunOptions, LiveRunOptionsValidator>().Bind(configuration.GetSection(LiveRunOptions.Section));
        services.TryAddSingleton<LiveRunResult>();
        services.AddHostedService<LiveRunHostedService>();
        return services;
    }

    /// <summary>A soak: guest runs one after another under changing fault policies (`hilbridge soak`); options from "Soak".</summary>
    public static IServiceCollection AddHilBridgeSoak(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddHilBridgeLiveRunner(configuration);
        services.AddValidatedOptions<SoakOptions, SoakOptionsValidator>().Bind(configuration.GetSection(SoakOptions.Section));
        services.TryAddSingleton(sp => new SoakRunner(
            sp.GetRequiredService<IOptions<SoakOptions>>().Value, sp.GetRequiredService<LiveRunner>(), sp.GetRequiredService<IProgress<string>>()));
        return services;
    }

    /// <summary>The live runner and what it plans with (guest image, patched QEMU); shared by run, soak and regress.</summary>
    public static IServiceCollection AddHilBridgeLiveRunner(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddHilBridgeBasics(configuration);
        services.TryAddSingleton<IGuestImageSource, SetupScriptGuestImageSource>();
        services.TryAddSingleton<IPatchedQemuSource, BuildScriptPatchedQemuSource>();
        services.TryAddSingleton<LiveRunPlanner>();
        services.TryAddSingleton<IProgress<string>>(SilentProgress.Instance);
        // Transient: a runner holds one run's state; each consumer (the hosted run, the soak) has its own.
        services.TryAddTransient<LiveRunner>();
        return services;
    }

    /// <summary>The clock and the repository paths (bound from the configuration root: HILBRIDGE_SCRIPTS, XDG_RUNTIME_DIR).</summary>
    private static void AddHilBridgeBasics(this IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(d => d.ServiceType == typeof(RepositoryLayout)))
        {
            return; // one mode composed of several steps binds the paths once
        }

        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<HostPathsOptions>().Bind(configuration);
        services.TryAddSingleton<RepositoryLayout>();
    }

    private static IServiceCollection AddServedBridge(this IServiceCollection services)
    {
        // The paths are made absolute once, when the options are built, not by whoever reads them.
        services.PostConfigure<ServeOptions>(o =>
        {
            if (o.Socket.Length > 0)
            {
                o.Socket = Path.GetFullPath(o.Socket);
            }

            if (o.Bridge.DiskImage.Length > 0)
            {
                o.Bridge = o.Bridge with { DiskImage = Path.GetFullPath(o.Bridge.DiskImage) };
            }
        });
        // Also a singleton, so services started after it (the control plane) can reach the bridge.
        services.TryAddSingleton<BridgeHostedService>();
        services.AddHostedService(sp => sp.GetRequiredService<BridgeHostedService>());
        return services;
    }

    private static OptionsBuilder<T> AddValidatedOptions<T, TValidator>(this IServiceCollection services)
        where T : class
        where TValidator : class, IValidateOptions<T>
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<T>, TValidator>());
        return services.AddOptions<T>().ValidateOnStart();
    }

    private sealed class SilentProgress : IProgress<string>
    {
        public static readonly SilentProgress Instance = new();

        public void Report(string value)
        {
        }
    }
}
