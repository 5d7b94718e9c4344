using HilBridge.Control.Recording;

namespace HilBridge.Control.Server;

/// <summary>Everything the gRPC service serves: the devices, the run, the recording control.</summary>
public sealed class ControlPlane(IReadOnlyList<ControlDevice> devices, RunProgress? run, IRecordingControl recording, DateTimeOffset startedAt)
{
    public IReadOnlyList<ControlDevice> Devices => devices;

    public RunProgress? Run => run;

    public IRecordingControl Recording => recording;

    public DateTimeOffset StartedAt => startedAt;

    /// <summary>Callers' protocol errors and refused calls (GetStatus: Status.control).</summary>
    public ControlPlaneCounters Counters { get; } = new();

    /// <summary>The device a request names; an empty name means the only one.</summary>
    public ControlDevice? Find(string name, out string error)
    {
        error = "";
        if (name.Length == 0)
        {
            if (devices.Count == 1)
            {
                return devices[0];
            }

            error = devices.Count == 0 ? "no device is served" : $"{devices.Count} devices: name one ({string.Join(", ", devices.Select(d => d.Name))})";
            return null;
        }
        var device = devices.FirstOrDefault(d => d.Name == name);
        if (device is null)
        {
            error = $"no device '{name}' (devices: {string.Join(", ", devices.Select(d => d.Name))})";
        }

        return device;
    }
}
