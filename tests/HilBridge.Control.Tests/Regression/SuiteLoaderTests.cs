using HilBridge.Control.Regression;
using HilBridge.Control.Tests.TestSupport;

namespace HilBridge.Control.Tests.Regression;

public class SuiteLoaderTests
{
    private const string Scenario = "expect:\n  fences: '== 0'\n";

    [Fact]
    public void Load_FilesDirectoriesAndGlobs_ExpandedInOrderWithoutDuplicates()
    {
        using var dir = new TempDirectory();
        dir.File("scenarios/b.yaml", "name: b\n" + Scenario);
        dir.File("scenarios/a.yaml", "name: a\n" + Scenario);
        dir.File("more/x-fence.yaml", "name: x\n" + Scenario);
        dir.File("more/y-hope.yaml", "name: y\n" + Scenario);
        dir.File("more/z-fence.yml", "name: z\n" + Scenario);
        var suite = dir.File("suites/s.yaml", "name: mine\nscenarios:\n  - ../scenarios/b.yaml\n  - ../scenarios\n  - ../more/*-fence.yaml\n");

        var loaded = SuiteLoader.Load(suite);

        Assert.Equal("mine", loaded.Name);
        Assert.Equal(new[] { "b", "a", "x" }, loaded.Cases.Select(c => c.Name));
        Assert.Equal("mine/../scenarios/b.yaml", loaded.Cases[0].Id);
        Assert.All(loaded.Cases, c => Assert.Null(c.LoadError));
    }

    [Fact]
    public void Load_SuiteKernels_OneCasePerScenarioAndKernelNamedByBoth()
    {
        using var dir = new TempDirectory();
        dir.File("a.yaml", "name: a\n" + Scenario);
        dir.File("b.yaml", "name: b\n" + Scenario);
        var suite = dir.File("s.yaml", "scenarios: [a.yaml, b.yaml]\nkernels: [stable, unstable]\n");

        var loaded = SuiteLoader.Load(suite);

        Assert.Equal(["a [stable]", "a [unstable]", "b [stable]", "b [unstable]"], loaded.Cases.Select(c => c.Name));
        Assert.Equal("s/a.yaml [unstable]", loaded.Cases[1].Id);
        Assert.Equal("unstable", loaded.Cases[1].Kernel!.Spec.Value);
    }

    [Fact]
    public void Load_CommandLineKernels_ReplaceTheSuites()
    {
        using var dir = new TempDirectory();
        dir.File("a.yaml", "name: a\n" + Scenario);
        var suite = dir.File("s.yaml", "scenarios: [a.yaml]\nkernels: [stable, unstable]\n");

        var loaded = SuiteLoader.Load(suite, ["build"]);

        Assert.Equal("a [build]", Assert.Single(loaded.Cases).Name);
    }

    [Fact]
    public void Load_NoKernels_CasesKeepTheirPlainNames()
    {
        using var dir = new TempDirectory();
        dir.File("a.yaml", "name: a\n" + Scenario);
        var suite = dir.File("s.yaml", "scenarios: [a.yaml]\n");

        var loaded = SuiteLoader.Load(suite, []);

        var only = Assert.Single(loaded.Cases);
        Assert.Equal(("a", "s/a.yaml", null), (only.Name, only.Id, only.Kernel));
    }

    [Fact]
    public void Load_BuildKernelWithRelativePatchDirectory_CountsFromTheSuite()
    {
        using var dir = new TempDirectory();
        dir.File("a.yaml", "name: a\n" + Scenario);
        dir.File("patches/series", "");
        var suite = dir.File("s.yaml", "scenarios: [a.yaml]\nkernels: ['build:patches']\n");

        var loaded = SuiteLoader.Load(suite);

        var only = Assert.Single(loaded.Cases);
        Assert.Equal("a [build:patches]", only.Name);
        Assert.Equal(Path.Combine(Path.GetDirectoryName(suite)!, "patches"), only.Kernel!.Spec.PatchDirectory);
    }

    [Theory]
    [InlineData("kernels: [testing]\n", "kernels: guest kernel 'testing': not stable, unstable")]
    [InlineData("kernels: [stable, stable]\n", "'stable' is listed twice")]
    public void Load_BadKernel_SuiteExceptionNamingIt(string kernels, string expected)
    {
        using var dir = new TempDirectory();
        dir.File("a.yaml", "name: a\n" + Scenario);
        var suite = dir.File("s.yaml", "scenarios: [a.yaml]\n" + kernels);

        var ex = Assert.Throws<SuiteException>(() => SuiteLoader.Load(suite));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_Overrides_ReplaceAndAddExpectationsOnTheirKernelOnly()
    {
        using var dir = new TempDirectory();
        dir.File("a.yaml", "name: a\nexpect:\n  fences: '== 0'\n  violations: '>= 1'\n");
        dir.File("b.yaml", "name: b\n" + Scenario);
        dir.File("fix/series", "");
        var suite = dir.File("s.yaml", "scenarios: [a.yaml, b.yaml]\nkernels: [stable, 'build:fix']\n"
            + "overrides:\n  - { kernel: 'build:./fix', scenario: a, expect: { violations: '== 0', guestQuarantines: '>= 1', fences: any } }\n");

        var loaded = SuiteLoader.Load(suite);

        string Expect(string name) => string.Join(", ", loaded.Cases.Single(c => c.Name == name).Scenario!.Expectations.Select(e => $"{e.Metric} {e.Expected}"));
        Assert.Equal("fences == 0, violations >= 1", Expect("a [stable]"));
        Assert.Equal("violations == 0, guestQuarantines >= 1", Expect("a [build:fix]"));
        Assert.Equal("fences == 0", Expect("b [build:fix]"));
    }

    [Fact]
    public void Load_KernelPatches_OwnSeriesTakesTheBuiltKernelsPlaceAndItsOverrides()
    {
        using var dir = new TempDirectory();
        dir.File("a.yaml", "name: a\nexpect:\n  fences: '== 0'\n  violations: '>= 1'\n");
        dir.File("fix/series", "");
        var mine = Path.GetDirectoryName(dir.File("mine/series", ""))!;
        var suite = dir.File("s.yaml", "scenarios: [a.yaml]\nkernels: [stable, 'build:fix']\n"
            + "overrides:\n  - { kernel: 'build:./fix', scenario: a, expect: { violations: '== 0' } }\n");

        var loaded = SuiteLoader.Load(suite, kernelPatches: mine);

        Assert.Equal(["a [stable]", $"a [build:{mine}]"], loaded.Cases.Select(c => c.Name));
        var built = loaded.Cases[1];
        Assert.Equal((mine, "build:" + mine), (built.Kernel!.Spec.PatchDirectory, built.Kernel.Spec.Value));
        Assert.Equal("fences == 0, violations == 0", string.Join(", ", built.Scenario!.Expectations.Select(e => $"{e.Metric} {e.Expected}")));
    }

    [Theory]
    [InlineData("  - { kernel: stable, scenario: nosuch, expect: { fences: '>= 1' } }\n", "overrides[0]: the suite has no scenario named 'nosuch'")]
    [InlineData("  - { kernel: stable, scenario: a, expect: { fencez: '>= 1' } }\n", "overrides[0]: unknown metric 'fencez'")]
    [InlineData("  - { kernel: stable, scenario: a }\n", "overrides[0]: needs kernel:, scenario: and expect:")]
    [InlineData("  - { kernel: testing, scenario: a, expect: { fences: '>= 1' } }\n", "overrides[0]: guest kernel 'testing'")]
    public void Load_BadOverride_SuiteExceptionNamingIt(string overrides, string expected)
    {
        using var dir = new TempDirectory();
        dir.File("a.yaml", "name: a\n" + Scenario);
        var suite = dir.File("s.yaml", "scenarios: [a.yaml]\nkernels: [stable]\noverrides:\n" + overrides);

        var ex = Assert.Throws<SuiteException>(() => SuiteLoader.Load(suite));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ShippedKernelSuite_ThreeKernelsTimesThreeScenariosWithTheQuarantineKernelsExpectations()
    {
        var suite = SuiteLoader.Load(Path.Combine(Hilbridge.RepositoryRoot(), "suites", "kernels.yaml"));

        Assert.Equal(9, suite.Cases.Count);
        Assert.All(suite.Cases, c => Assert.Null(c.LoadError));
        var quarantine = suite.Cases.Single(c => c.Name == "ats-drop [build:../qemu-scripts/kernel-patches/quarantine]");
        Assert.Contains(quarantine.Scenario!.Expectations, e => e.Metric == "violations" && e.Expected == "== 0");
        var stock = suite.Cases.Single(c => c.Name == "ats-drop [stable]");
        Assert.Contains(stock.Scenario!.Expectations, e => e.Metric == "violations" && e.Expected == ">= 1");
    }

    [Fact]
    public void Load_InvalidScenario_CaseWithLoadError()
    {
        using var dir = new TempDirectory();
        dir.File("bad.yaml", "expect:\n  nosuchmetric: 1\n");
        var suite = dir.File("s.yaml", "scenarios: [bad.yaml]\n");

        var loaded = SuiteLoader.Load(suite);

        var bad = Assert.Single(loaded.Cases);
        Assert.Null(bad.Scenario);
        Assert.Contains("unknown metric 'nosuchmetric'", bad.LoadError);
        Assert.Equal("s", loaded.Name);
    }

    [Theory]
    [InlineData("scenarios: [missing.yaml]\n", "scenarios[0]: 'missing.yaml' matches no scenario file")]
    [InlineData("scenarios: ['nothere/*.yaml']\n", "matches no scenario file")]
    [InlineData("name: empty\n", "lists no scenario")]
    [InlineData("scenarios: [a\n", "line")]
    [InlineData("senarios: [a.yaml]\n", "line")]
    public void Load_BadSuite_SuiteExceptionNamingTheProblem(string yaml, string expected)
    {
        using var dir = new TempDirectory();
        var suite = dir.File("s.yaml", yaml);

        var ex = Assert.Throws<SuiteException>(() => SuiteLoader.Load(suite));

        Assert.Contains(expected, ex.Message);
        Assert.Contains("s.yaml", ex.Message);
    }

    [Fact]
    public void Load_MissingSuiteFile_SuiteException()
    {
        Assert.Throws<SuiteException>(() => SuiteLoader.Load("/nonexistent/suite.yaml"));
    }

    [Fact]
    public void Load_ShippedFenceSuite_CoversFenceAndControlScenarios()
    {
        var suite = SuiteLoader.Load(Path.Combine(Hilbridge.RepositoryRoot(), "suites", "fence.yaml"));

        Assert.All(suite.Cases, c => Assert.Null(c.LoadError));
        var names = suite.Cases.Select(c => c.Name).ToList();
        Assert.Contains("stragglers-fence", names);
        Assert.Contains("drop-fence", names);
        var controlled = suite.Cases.Where(c => c.Scenario!.Control.Count > 0).ToList();
        Assert.Contains(controlled, c => c.Scenario!.Control.Any(a => a.Kind == HilBridge.Scenarios.ControlActionKind.SetPolicy));
        Assert.Contains(controlled, c => c.Scenario!.Control.Any(a => a.Kind == HilBridge.Scenarios.ControlActionKind.Fence));
    }

    [Fact]
    public void Load_ShippedVtdSuite_TheFiveVtdScenariosBehindVtd()
    {
        var suite = SuiteLoader.Load(Path.Combine(Hilbridge.RepositoryRoot(), "suites", "vtd.yaml"));

        Assert.All(suite.Cases, c => Assert.Null(c.LoadError));
        Assert.Equal(["vtd-ats-timeout", "vtd-delay-below-timeout", "vtd-drop-fence", "vtd-stragglers-fence", "vtd-stragglers-hope"], suite.Cases.Select(c => c.Name).Order());
        Assert.All(suite.Cases, c => Assert.Equal(HilBridge.Scenarios.IommuKind.Vtd, c.Scenario!.Iommu));
    }
}
