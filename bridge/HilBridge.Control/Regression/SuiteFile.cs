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

    /// <summary>
    /// Expectations that differ per kernel: on the kernel named as in `kernels:`, the named scenario's
    /// expectations with the same metric are replaced, new ones added, and "any" drops one (a kernel that fixes a bug
    /// expects the opposite verdict of the scenario, written for the stock kernel).
    /// </summary>
    public List<ExpectOverride> Overrides { get; set; } = [];

    public sealed class ExpectOverride
    {
        public string? Kernel { get; set; }
        public string? Scenario { get; set; }
        public Dictionary<string, string> Expect { get; set; } = [];
    }
}
