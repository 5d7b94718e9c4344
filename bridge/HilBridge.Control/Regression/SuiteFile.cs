namespace HilBridge.Control.Regression;

/// <summary>
/// A suite as written in YAML (suites/*.yaml): a name and the scenario files it runs, each a path
/// relative to the suite file, a directory (all its *.yaml), or a file-name glob ("scenarios/*-fence.yaml");
/// and optionally the guest kernels to run each of them on.
/// </summary>
public sealed class SuiteFile
{
    public string? Name { get; set; }
    public string? Description { get; set; }
    public List<string> Scenarios { get; set; } = [];

    /// <summary>A kernel axis: every scenario runs on each (stable, unstable, build[@V][:DIR], an Image; paths relative to the suite).</summary>
    public List<string> Kernels { get; set; } = [];
}
