using HilBridge.Control.Recording;
using HilBridge.Control.Server;
using HilBridge.Live.Run;

namespace HilBridge.Control.Live;

/// <summary>How a live run hosts its control plane.</summary>
public sealed class ControlPlaneOptions
{
    /// <summary>Null: a UNIX socket, control.sock in the run's private runtime directory (the default).</summary>
    public ControlEndpoint? Endpoint { get; set; }

    /// <summary>The device's name in requests (QEMU's device id).</summary>
    public string DeviceName { get; set; } = "hbdev";

    /// <summary>The recording control for the run; null = trace segments on the run's engine tap (<see cref="SegmentRecording"/>).</summary>
    public Func<LiveRunContext, IRecordingControl>? Recording { get; set; }
}
