using HilBridge.Live.Guest;
using HilBridge.Scenarios;

namespace HilBridge.Control.Regression;

/// <summary>
/// One scenario of a suite. <see cref="Id"/> ("suite/relative/path.yaml") is stable across machines,
/// so sharding by it splits a suite the same way everywhere. A scenario file that does not load is
/// still a case: it reports as an error instead of stopping the whole suite. On a kernel axis (a suite's
/// `kernels:` or `regress --guest-kernel a,b`) there is one case per scenario and kernel.
/// </summary>
public sealed record SuiteCase(string Suite, string RelativePath, string Path, Scenario? Scenario, string? LoadError)
{
    /// <summary>A recorded trace (.hbt, .hbt.gz) instead of a scenario: the case replays it and judges the replay (seconds, no guest).</summary>
    public bool IsTrace => Path.EndsWith(".hbt", StringComparison.Ordinal) || Path.EndsWith(".hbt.gz", StringComparison.Ordinal);

    /// <summary>The scenario's name when there is no <see cref="Scenario"/> object: a trace case's, or a case read back by `regress merge`.</summary>
    public string? ScenarioName { get; init; }

    /// <summary>The kernel of this case on a kernel axis (null: the scenario's or the default).</summary>
    public SuiteKernel? Kernel { get; init; }

    public string Id => $"{Suite}/{RelativePath}{KernelSuffix}";

    /// <summary>For people: "suite/scenario-name [kernel]".</summary>
    public string DisplayName => $"{Suite}/{Name}";

    /// <summary>The scenario's name (the file's when it did not load), with " [kernel]" on a kernel axis.</summary>
    public string Name => BaseName + KernelSuffix;

    /// <summary>The scenario's name without the kernel: a column of the kernel report card.</summary>
    public string BaseName => Scenario?.Name ?? ScenarioName ?? System.IO.Path.GetFileNameWithoutExtension(Path);

    private string KernelSuffix => Kernel is { } k ? $" [{k.Label}]" : "";
}

/// <summary>A kernel of a kernel axis: as the user wrote it (for case names) and resolved (paths absolute).</summary>
public sealed record SuiteKernel(string Label, GuestKernelSpec Spec);

/// <summary>A loaded suite: its name and cases in file order.</summary>
public sealed record Suite(string Name, string? Description, string Path, IReadOnlyList<SuiteCase> Cases);
