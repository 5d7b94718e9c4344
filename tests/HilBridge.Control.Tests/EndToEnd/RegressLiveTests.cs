using System.Xml.Linq;
using HilBridge.Control.Regression;
using HilBridge.Control.Tests.TestSupport;

namespace HilBridge.Control.Tests.EndToEnd;

/// <summary>
/// `hilbridge regress suites/fence.yaml` as CI runs it: real guests, real control plane, JUnit XML checked.
/// No retries: a case that passes only at a second attempt would be counted as a success (flaky), and the
/// suite exists to show every fence scenario passes every time. Retries are covered by RegressionRunnerTests.
/// </summary>
[Collection(LiveCollection.Name)]
public class RegressLiveTests
{
    [Fact]
    public async Task Regress_ShippedFenceSuite_PassesAndWritesValidJUnit()
    {
        using var dir = new TempDirectory();
        var suitePath = Path.Combine(Hilbridge.RepositoryRoot(), "suites", "fence.yaml");
        var suite = SuiteLoader.Load(suitePath, ["build"]);

        using var run = await Hilbridge.RunAsync(TimeSpan.FromMinutes(15), "regress", "suites/fence.yaml", "--out", dir.Path,
            "--guest-kernel", "build"); // the trimmed source-built kernel: ~2 s boots (README: which guest the tests boot)

        Assert.True(run.ExitCode == 0, run.Describe());
        var xml = XDocument.Load(Path.Combine(dir.Path, "junit.xml"));
        var root = xml.Root!;
        Assert.Equal("testsuites", root.Name.LocalName);
        var testsuite = Assert.Single(root.Elements("testsuite"));
        Assert.Equal("fence", testsuite.Attribute("name")?.Value);
        Assert.Equal(suite.Cases.Count.ToString(), testsuite.Attribute("tests")?.Value);
        Assert.Equal("0", testsuite.Attribute("failures")?.Value);
        Assert.Equal("0", testsuite.Attribute("errors")?.Value);
        Assert.Equal("0", Property(testsuite, "retries"));
        Assert.Equal("0", Property(testsuite, "flaky"));
        var cases = testsuite.Elements("testcase").ToList();
        Assert.Equal(suite.Cases.Select(c => c.Name), cases.Select(c => c.Attribute("name")?.Value));
        Assert.All(cases, c => Assert.Empty(c.Elements("failure").Concat(c.Elements("error"))));
        Assert.All(cases, c => Assert.Equal(("1", "false"), (Property(c, "attempts"), Property(c, "flaky"))));
        Assert.All(cases, c => Assert.Contains("outcome            passed", c.Element("system-out")?.Value));

        // The mid-run policy change went through the control socket, and the verdict shows its fence.
        var policyCase = suite.Cases.Single(c => c.Scenario!.Control.Any(a => a.Kind == HilBridge.Scenarios.ControlActionKind.SetPolicy));
        var output = cases.Single(c => c.Attribute("name")?.Value == policyCase.Name).Descendants("property").Single(p => p.Attribute("name")?.Value == "output").Attribute("value")!.Value;
        Assert.Contains("policy set (1 rules", File.ReadAllText(Path.Combine(output, "control-actions.log")));
        Assert.StartsWith("# HilBridge regression passed", File.ReadAllText(Path.Combine(dir.Path, "summary.md")));
        Assert.Contains("regress passed", run.Stdout);
        Assert.Contains("(0 flaky)", run.Stdout);
    }

    private static string? Property(XElement element, string name) =>
        element.Element("properties")?.Elements("property").SingleOrDefault(p => p.Attribute("name")?.Value == name)?.Attribute("value")?.Value;
}
