using HilBridge.Control.Server;
using Microsoft.Extensions.DependencyInjection;

namespace HilBridge.Control.Hosting;

public static class ControlServiceCollectionExtensions
{
    /// <summary>Hosts the control plane for the bridge added by AddHilBridge (register after it: it starts after the bridge).</summary>
    public static IServiceCollection AddHilBridgeControlPlane(this IServiceCollection services, ControlEndpoint endpoint, string deviceName = "hbdev")
    {
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<ControlPlaneHostedService>(sp, endpoint, deviceName));
        services.AddHostedService(sp => sp.GetRequiredService<ControlPlaneHostedService>());
        return services;
    }
}
