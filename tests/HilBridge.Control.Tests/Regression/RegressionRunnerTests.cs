using HilBridge.Control.Regression;
using HilBridge.Control.Tests.TestSupport;
using HilBridge.Live.Device;
using HilBridge.Scenarios;

namespace HilBridge.Control.Tests.Regression;

public class RegressionRunnerTests
{
    // The guest's I/O went through the bridge (else the judge fails the run whatever the scenario expects).
    private static readonly BridgeStatistics OneFence = new() { Requests = 12, Engine = new() { Fences = 1, Unfences = 1 } };
    private static readonly BridgeStatistics NoFence = new() { Requests = 12 };

    private static RegressionRunner Runner(IScenarioExecutor executor, int retries = 0, int jobs = 1, Shard? shard = null) =>
        new(executor, new RegressionOptions { Retries = retries, Jobs = jobs, OutputDirectory = Path.Combine(Path.GetTempPath(), "hbct-unused"), Shard = shard ?? Shard.All },
            new Progress<string>(), TimeProvider.System);

    [Fact]
    public async Task Run_WrongExpectation_FailsNamingExpectationExpectedAndActual()
    {
        // The scenario expects a fence; the run had none.
        var suite = Cases.SuiteOf("unit", Cases.Of("wants-fence", "  fences: '>= 1'\n  violations: '== 0'"));

        var report = await Runner(new FakeExecutor((_, _) => NoFence)).RunAsync([suite], CancellationToken.None);

        var result = Assert.Single(report.Cases);
        Assert.Equal(CaseStatus.Failed, result.Status);
        Assert.Equal("expectation fences failed: expected >= 1, actual 0", result.Message);
        Assert.False(report.Succeeded);
    }

    [Fact]
    public async Task Run_GuestVerifiedWithoutARequestThroughTheBridge_FailsSayingItsResultWitnessesNothing()
    {
        var suite = Cases.SuiteOf("unit", Cases.Of("no-io", "  violations: '== 0'"));

        var report = await Runner(new FakeExecutor((_, _) => new BridgeStatistics())).RunAsync([suite], CancellationToken.None);

        var result = Assert.Single(report.Cases);
        Assert.Equal(CaseStatus.Failed, result.Status);
        Assert.Equal($"{Judge.NoBridgeIo} (expected requests > 0, actual 0)", result.Message);
    }

    [Fact]
    public async Task Run_SeveralWrongExpectations_NamesEach()
    {
        var suite = Cases.SuiteOf("unit", Cases.Of("two-wrong", "  fences: '>= 1'\n  unfences: '== 5'\n  violations: '== 0'"));

        var report = await Runner(new FakeExecutor((_, _) => NoFence)).RunAsync([suite], CancellationToken.None);

        var message = Assert.Single(report.Cases).Message;
        Assert.Contains("expectation fences failed: expected >= 1, actual 0", message);
        Assert.Contains("expectation unfences failed: expected == 5, actual 0", message);
        Assert.DoesNotContain("violations", message);
    }

    [Fact]
    public async Task Run_RightExpectation_Passes()
    {
        var suite = Cases.SuiteOf("unit", Cases.Of("wants-fence", "  fences: '>= 1'"));

        var report = await Runner(new FakeExecutor((_, _) => OneFence)).RunAsync([suite], CancellationToken.None);

        Assert.Equal(CaseStatus.Passed, Assert.Single(report.Cases).Status);
        Assert.True(report.Succeeded);
    }

    [Fact]
    public async Task Run_FailsThenPasses_FlakyAndSucceeds()
    {
        var suite = Cases.SuiteOf("unit", Cases.Of("wobbly", "  fences: '>= 1'"));
        var executor = new FakeExecutor((_, attempt) => attempt == 1 ? NoFence : OneFence);

        var report = await Runner(executor, retries: 2).RunAsync([suite], CancellationToken.None);

        var result = Assert.Single(report.Cases);
        Assert.Equal(CaseStatus.Flaky, result.Status);
        Assert.Equal(2, result.Attempts.Count);
        Assert.Equal(2, executor.Calls);
        Assert.Contains("expectation fences failed", result.Message);
        Assert.True(report.Succeeded);
    }

    [Fact]
    public async Task Run_AlwaysFails_RetriedThenFailed()
    {
        var suite = Cases.SuiteOf("unit", Cases.Of("broken", "  fences: '>= 1'"));
        var executor = new FakeExecutor((_, _) => NoFence);

        var report = await Runner(executor, retries: 2).RunAsync([suite], CancellationToken.None);

        var result = Assert.Single(report.Cases);
        Assert.Equal(CaseStatus.Failed, result.Status);
        Assert.Equal(3, executor.Calls);
        Assert.Equal(new[] { 1, 2, 3 }, result.Attempts.Select(a => a.Attempt));
    }

    [Fact]
    public async Task Run_AbortedRun_ErrorWithReason()
    {
        var suite = Cases.SuiteOf("unit", Cases.Of("hangs", "  fences: '>= 1'"));
        var executor = new FakeExecutor((_, _) => OneFence) { Abort = (_, _) => "guest did not finish within 240 s" };

        var report = await Runner(executor).RunAsync([suite], CancellationToken.None);

        var result = Assert.Single(report.Cases);
        Assert.Equal(CaseStatus.Error, result.Status);
        Assert.Equal("run aborted: guest did not finish within 240 s", result.Message);
    }

    [Fact]
    public async Task Run_ExecutorThrows_ErrorAndOtherCasesStillRun()
    {
        var suite = Cases.SuiteOf("unit", Cases.Of("a", "  fences: '>= 1'"), Cases.Of("b", "  fences: '>= 1'"));
        var executor = new FakeExecutor((_, _) => OneFence) { Throw = (c, _) => c.Name == "a" ? new IOException("disk full") : null };

        var report = await Runner(executor).RunAsync([suite], CancellationToken.None);

        Assert.Equal(CaseStatus.Error, report.Cases.Single(c => c.Case.Name == "a").Status);
        Assert.Contains("disk full", report.Cases.Single(c => c.Case.Name == "a").Message);
        Assert.Equal(CaseStatus.Passed, report.Cases.Single(c => c.Case.Name == "b").Status);
    }

    [Fact]
    public async Task Run_ScenarioDidNotLoad_ErrorWithoutRunning()
    {
        var bad = new SuiteCase("unit", "bad.yaml", "/x/bad.yaml", null, "expect: unknown metric 'x'");
        var executor = new FakeExecutor((_, _) => OneFence);

        var report = await Runner(executor, retries: 3).RunAsync([Cases.SuiteOf("unit", bad)], CancellationToken.None);

        var result = Assert.Single(report.Cases);
        Assert.Equal(CaseStatus.Error, result.Status);
        Assert.Contains("did not load", result.Message);
        Assert.Equal(0, executor.Calls);
    }

    [Fact]
    public async Task Run_Jobs_RunsInParallelAndKeepsSuiteOrder()
    {
        var cases = Enumerable.Range(0, 6).Select(i => Cases.Of($"c{i}", "  fences: '>= 1'")).ToArray();
        // The first three attempts only finish once all three run at once: three jobs must run them together.
        var executor = new FakeExecutor((_, _) => OneFence) { Rendezvous = 3 };

        var report = await Runner(executor, jobs: 3).RunAsync([Cases.SuiteOf("unit", cases)], CancellationToken.None);

        Assert.Equal(cases.Select(c => c.Name), report.Cases.Select(c => c.Case.Name));
        Assert.All(report.Cases, c => Assert.Equal(CaseStatus.Passed, c.Status));
        Assert.Equal(3, executor.MaxConcurrent); // and never more than the three jobs
    }

    [Fact]
    public async Task Run_Shard_RunsOnlyItsCasesAndReportsPerSuite()
    {
        var a = Cases.SuiteOf("a", Cases.Of("a1", "  fences: '>= 1'", "a"), Cases.Of("a2", "  fences: '>= 1'", "a"));
        var b = Cases.SuiteOf("b", Cases.Of("b1", "  fences: '>= 1'", "b"));
        var executor = new FakeExecutor((_, _) => OneFence);

        var first = await Runner(executor, shard: new Shard(1, 2)).RunAsync([a, b], CancellationToken.None);
        var second = await Runner(executor, shard: new Shard(2, 2)).RunAsync([a, b], CancellationToken.None);

        Assert.Equal(3, first.Cases.Count() + second.Cases.Count());
        Assert.Empty(first.Cases.Select(c => c.Case.Id).Intersect(second.Cases.Select(c => c.Case.Id)));
        Assert.Equal(2, first.Suites.Count);
        Assert.Equal(3, executor.Calls);
    }

    [Theory]
    [InlineData("stable", "stable")]
    [InlineData("build@7.2.8", "build-7.2.8")]
    [InlineData("build:../qemu-scripts/kernel-patches/quarantine", "build-quarantine-")]
    [InlineData("/boot/vmlinuz-6.1/", "vmlinuz-6.1-")]
    public void KernelFolder_ReadableOneLevelName(string label, string expectedStart)
    {
        var folder = RegressionRunner.KernelFolder(label);

        Assert.StartsWith(expectedStart, folder);
        Assert.DoesNotContain('/', folder);
        Assert.DoesNotContain(':', folder);
        Assert.Equal(expectedStart.EndsWith('-') ? expectedStart.Length + 6 : expectedStart.Length, folder.Length);
    }

    [Fact]
    public void KernelFolder_TwoPatchFoldersOfOneName_StayApart() =>
        Assert.NotEqual(RegressionRunner.KernelFolder("build:a/quarantine"), RegressionRunner.KernelFolder("build:b/quarantine"));
}
