using HilBridge.Scenarios;

namespace HilBridge.Control.Regression;

/// <summary>
/// One scenario of a suite. <see cref="Id"/> ("suite/relative/path.yaml") is stable across machines,
/// so sharding by it splits a suite the same way everywhere. A scenario file that does not load is
/// still a case: it reports as an error instead of stopping the whole suite.
/// </summary>
public sealed record SuiteCase(string Suite, string RelativePath, string Path, Scenario? Scenario, string? LoadError)
{
    public string Id => $"{Suite}/{RelativePath}";

    /// <summary>For people: "suite/scenario-name".</summary>
    public string DisplayName => $"{Suite}/{Name}";

    /// <summary>The scenario's name, or the file's when it did not load.</summary>
    public string Name => Scenario?.Name ?? System.IO.Path.GetFileNameWithoutExtension(Path);
}

/// <summary>A loaded suite: its name and cases in file order.</summary>
public sealed record Suite(string Name, string? Description, string Path, IReadOnlyList<SuiteCase> Cases);
