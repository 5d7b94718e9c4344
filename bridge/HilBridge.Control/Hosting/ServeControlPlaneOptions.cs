using HilBridge.Control.Server;

namespace HilBridge.Control.Hosting;

/// <summary>Where `hilbridge serve` hosts its gRPC control plane.</summary>
public sealed class ServeControlPlaneOptions
{
    /// <summary>Null: a UNIX socket beside the vhost-user socket, &lt;socket without extension&gt;.control.sock.</summary>
    public ControlEndpoint? Endpoint { get; set; }

    /// <summary>The device's name in requests (QEMU's device id).</summary>
    public string DeviceName { get; set; } = "hbdev";
}
