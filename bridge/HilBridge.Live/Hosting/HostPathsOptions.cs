namespace HilBridge.Live.Hosting;

/// <summary>
/// Where hilbridge finds the repository's scripts and puts its private runtime directories. Bound from
/// the configuration root at the composition root (<see cref="HilBridgeConfiguration"/>): nothing below
/// it reads the environment.
/// </summary>
public sealed class HostPathsOptions
{
    /// <summary>qemu-scripts/ (HILBRIDGE_SCRIPTS); null: found by walking up from the current and the program's folder.</summary>
    public string? Scripts { get; set; }

    /// <summary>Parent of each run's private socket directory (XDG_RUNTIME_DIR); null: the temp directory.</summary>
    public string? RuntimeRoot { get; set; }
}
