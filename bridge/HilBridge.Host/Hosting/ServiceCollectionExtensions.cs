using HilBridge.Host.Device;
using HilBridge.Host.Run;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace HilBridge.Host.Hosting;

public static class ServiceCollectionExtensions
{
    /// <summary>The bridge alone, serving a vhost-user socket until the host stops (`hilbridge serve`).</summary>
    public static IServiceCollection AddHilBridge(this IServiceCollection services, BridgeOptions options, string socketPath)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(options);
        // Also a singleton, so services started after it (the control plane) can reach the bridge.
        services.AddSingleton(sp => new BridgeHostedService(options, socketPath, sp));
        services.AddHostedService(sp => sp.GetRequiredService<BridgeHostedService>());
        return services;
    }

    /// <summary>One live run against a QEMU guest, after which the host stops (`hilbridge run`).</summary>
    public static IServiceCollection AddHilBridgeLiveRun(this IServiceCollection services, LiveRunOptions options, IProgress<string> progress)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(options);
        services.AddSingleton<LiveRunResult>();
        services.AddHostedService(sp => new LiveRunHostedService(options, progress, sp));
        return services;
    }
}
