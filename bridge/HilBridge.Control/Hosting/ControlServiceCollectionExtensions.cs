using HilBridge.Control.Server;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace HilBridge.Control.Hosting;

public static class ControlServiceCollectionExtensions
{
    /// <summary>Hosts the control plane for the bridge added by AddHilBridge (register after it: it starts after the bridge).</summary>
    public static IServiceCollection AddHilBridgeControlPlane(this IServiceCollection services, Action<ServeControlPlaneOptions>? configure = null)
    {
        var options = services.AddOptions<ServeControlPlaneOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton<ControlPlaneHostedService>();
        services.AddHostedService(sp => sp.GetRequiredService<ControlPlaneHostedService>());
        return services;
    }

    /// <summary>Hosts the control plane on <paramref name="endpoint"/>.</summary>
    public static IServiceCollection AddHilBridgeControlPlane(this IServiceCollection services, ControlEndpoint endpoint, string deviceName = "hbdev") =>
        services.AddHilBridgeControlPlane(o => { o.Endpoint = endpoint; o.DeviceName = deviceName; });
}
