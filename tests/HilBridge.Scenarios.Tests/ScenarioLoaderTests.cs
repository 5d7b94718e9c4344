using HilBridge.Core.Dma;
using HilBridge.Core.Engine;

namespace HilBridge.Scenarios.Tests;

public class ScenarioLoaderTests
{
    [Fact]
    public void Parse_FullScenario_BuildsEngineOptionsPolicyWorkloadAndExpectations()
    {
        var scenario = ScenarioLoader.Parse("""
            name: s
            engine: { timeout: amd-vi, fencePolicy: hope, fenceMode: abort, seed: 9 }
            rules:
              - name: r
                everyNth: 10
                limit: 2
                probability: 0.5
                iovaStart: 0x1000
                iovaSize: 0x2000
                from: 2s
                until: 1min
                outcome: refuse
                delay: uniform 1ms 5ms
                stragglers: { count: 2, after: fixed 1.1s, kind: read, bytes: 128 }
            workload: { mode: recovery, rounds: 4, blocks: 64, pause: 0.5 }
            timeoutSeconds: 90
            expect: { violations: "== 0", fences: ">= 1", dataVerified: true }
            """, "fallback");

        Assert.Equal("s", scenario.Name);
        Assert.Equal(EngineOptions.AmdViTimeout, scenario.Engine.InvalidationTimeout);
        Assert.Equal(FencePolicy.Hope, scenario.Engine.FencePolicy);
        Assert.Equal(FenceMode.Abort, scenario.Engine.FenceMode);
        Assert.Equal(9UL, scenario.Engine.Seed);
        var rule = Assert.Single(scenario.Engine.Policy.Rules);
        Assert.Equal((10, 2, 0.5), (rule.EveryNth, rule.Limit, rule.Probability));
        Assert.Equal(FaultOutcome.Refuse, rule.Outcome);
        Assert.Equal(TimeSpan.FromSeconds(2), rule.From);
        Assert.Equal(TimeSpan.FromMinutes(1), rule.Until);
        Assert.True(rule.Iova!.Value.Contains(0x2fff) && !rule.Iova.Value.Contains(0x3000));
        Assert.Equal(Distribution.Uniform(0.001, 0.005), rule.Delay);
        Assert.Equal(new StragglerSpec(2, Distribution.Fixed(1.1), AccessKind.Read, 128), rule.Stragglers);
        Assert.Equal("hb.mode=recovery hb.rounds=4 hb.blocks=64 hb.pause=0.5", scenario.WorkloadArguments);
        Assert.Equal(TimeSpan.FromSeconds(90), scenario.Timeout);
        Assert.Equal(3, scenario.Expectations.Count);
    }

    [Theory]
    [InlineData("workload: { rounds: 2, reset: true }", "hb.mode=verify hb.rounds=2 hb.blocks=256 hb.reset=1")]
    [InlineData("workload: { rounds: 2, reset: false }", "hb.mode=verify hb.rounds=2 hb.blocks=256")]
    public void Parse_WorkloadReset_AsksTheGuestToResetBetweenRounds(string yaml, string expected) =>
        Assert.Equal(expected, ScenarioLoader.Parse(yaml, "r").WorkloadArguments);

    [Fact]
    public void Parse_Iommu_VtdOrDefaultSmmuV3()
    {
        Assert.Equal(IommuKind.Vtd, ScenarioLoader.Parse("iommu: vtd", "k").Iommu);
        Assert.Equal(IommuKind.SmmuV3, ScenarioLoader.Parse("{}", "k").Iommu);
    }

    [Fact]
    public void Parse_VtdWithGuestVisibleAts_PatchedIntelIommu()
    {
        var scenario = ScenarioLoader.Parse("{ iommu: vtd, guestVisibleAts: true, qemu: { atsTimeout: 1s } }", "k");

        Assert.Equal(IommuKind.Vtd, scenario.Iommu);
        Assert.True(scenario.GuestVisibleAts);
        Assert.Equal(TimeSpan.FromSeconds(1), scenario.SmmuAtcTimeout);
    }

    [Theory]
    [InlineData("iommu: amd-vi", "iommu: 'amd-vi' is not smmuv3 or vtd")]
    public void Parse_BadIommu_NamesIt(string yaml, string message) =>
        Assert.Contains(message, Assert.Throws<ScenarioException>(() => ScenarioLoader.Parse(yaml, "k")).Message, StringComparison.Ordinal);

    [Fact]
    public void Parse_GuestKernel_KeptAsWritten()
    {
        Assert.Equal("build@7.1.8:patches", ScenarioLoader.Parse("guestKernel: ' build@7.1.8:patches '", "k").GuestKernel);
        Assert.Null(ScenarioLoader.Parse("{}", "k").GuestKernel);
    }

    [Fact]
    public void Parse_Empty_IsNoFaultVerifyRun()
    {
        var scenario = ScenarioLoader.Parse("{}", "empty");
        Assert.Equal("empty", scenario.Name);
        Assert.Empty(scenario.Engine.Policy.Rules);
        Assert.Equal(FencePolicy.Fence, scenario.Engine.FencePolicy);
        Assert.StartsWith("hb.mode=verify", scenario.WorkloadArguments);
    }

    [Theory]
    [InlineData("engine: { fencePolicy: maybe }", "engine.fencePolicy")]
    [InlineData("engine: { timeout: soon }", "engine.timeout")]
    [InlineData("rules: [ { delay: gaussian 1ms } ]", "rules[0].delay")]
    [InlineData("rules: [ { delay: fixed } ]", "rules[0].delay")]
    [InlineData("rules: [ { outcome: explode } ]", "rules[0].outcome")]
    [InlineData("rules: [ { iovaStart: 0x1000 } ]", "iovaStart and iovaSize")]
    [InlineData("rules: [ { everyNth: 0 } ]", "EveryNth")]
    [InlineData("rules: [ { probability: 2 } ]", "robability")]
    [InlineData("rules: [ { stragglers: { count: -1 } } ]", "stragglers.count")]
    [InlineData("workload: { mode: dance }", "workload.mode")]
    [InlineData("expect: { happiness: 1 }", "unknown metric 'happiness'")]
    [InlineData("expect: { fences: lots }", "expectation fences")]
    [InlineData("engine: [1, 2", "line")]
    [InlineData("nonsense: 1", "line")]
    public void Parse_BadField_ThrowsNamingIt(string yaml, string mentioned)
    {
        var ex = Assert.Throws<ScenarioException>(() => ScenarioLoader.Parse(yaml, "bad"));
        Assert.Contains(mentioned, ex.Message);
    }

    [Fact]
    public void Load_MissingFile_ThrowsScenarioExceptionWithPath()
    {
        var ex = Assert.Throws<ScenarioException>(() => ScenarioLoader.Load("/nonexistent/x.yaml"));
        Assert.Contains("/nonexistent/x.yaml", ex.Message);
    }

    [Fact]
    public void Load_ShippedScenarios_AllParse()
    {
        var dir = FindScenarios();
        var files = Directory.GetFiles(dir, "*.yaml");
        Assert.True(files.Length >= 4);
        foreach (var file in files)
        {
            Assert.NotEmpty(ScenarioLoader.Load(file).Expectations);
        }
    }

    // Inputs coverage-guided fuzzing (tests/fuzz/run.sh scenario) found escaping the loader as
    // NullReferenceException, ArgumentNullException, InvalidOperationException and ArgumentException.
    [Theory]
    [InlineData("expect:\n  violations:\n", "expectation violations has no condition")]
    [InlineData("rules: [ ~ ]", "rules[0] is empty")]
    [InlineData("control: [ ~ ]", "control[0] is empty")]
    [InlineData("control: [ { when: start, setPolicy: [ ~ ] } ]", "control.setPolicy[0] is empty")]
    [InlineData("...\0\u007f", "not valid YAML")]
    [InlineData("!!+9", "not valid YAML")]
    public void Parse_FuzzFindings_RefusedWithAScenarioError(string yaml, string message)
    {
        var ex = Assert.Throws<ScenarioException>(() => ScenarioLoader.Parse(yaml, "fuzz"));
        Assert.Contains(message, ex.Message);
    }

    [Theory]
    [InlineData("\nrules:")]
    [InlineData("engine: ~\nworkload: ~\nqemu: ~\nexpect: ~\ncontrol: ~")]
    public void Parse_SectionsLeftEmpty_AreTheirDefaults(string yaml)
    {
        var scenario = ScenarioLoader.Parse(yaml, "empty");
        Assert.Equal(ScenarioLoader.Parse("", "empty").WorkloadArguments, scenario.WorkloadArguments);
        Assert.Empty(scenario.Expectations);
    }

    [Theory]
    [InlineData("!!+9")]
    [InlineData("- ~")]
    public void ParseRules_FuzzFindings_RefusedWithAScenarioError(string yaml) =>
        Assert.Throws<ScenarioException>(() => ScenarioLoader.ParseRules(yaml));

    private static string FindScenarios()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (Directory.Exists(Path.Combine(d.FullName, "scenarios")))
            {
                return Path.Combine(d.FullName, "scenarios");
            }
        }

        throw new DirectoryNotFoundException("scenarios/");
    }
}
