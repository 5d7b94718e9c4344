using HilBridge.Fuzz;
using HilBridge.Fuzz.Targets.Engine;
using HilBridge.Fuzz.Targets.Session;

namespace HilBridge.Reliability.Tests.Fuzz;

/// <summary>
/// The short fixed-seed fuzz run of the test suite: 30 000 cases shared out like the million-case run
/// (tests/HilBridge.Fuzz, `dotnet run -c Release --project tests/HilBridge.Fuzz`), same seed.
/// </summary>
public sealed class FixedSeedFuzzTests(ITestOutputHelper output)
{
    private const long TotalCases = 30_000;
    private const ulong Seed = 1;

    public static TheoryData<string> Targets() => new(FuzzTargets.Names);

    [Theory]
    [MemberData(nameof(Targets))]
    public void Run_FixedSeed_NoFindings(string name)
    {
        var cases = FuzzTargets.Plan(TotalCases, FuzzTargets.Names).Single(p => p.Target == name).Cases;
        using var target = FuzzTargets.Create(name);

        var report = FuzzRunner.Run(target, Seed, cases);
        // A session run ends with a well-behaved front-end: the bridge must still serve it.
        var health = target is SessionTarget session ? session.CheckHealth() : null;

        output.WriteLine(report.ToString());
        foreach (var f in report.Findings)
        {
            output.WriteLine($"seed {f.Seed}: {f.Problem}\n{f.Input}");
        }

        Assert.Equal(cases, report.Cases);
        Assert.Empty(report.Findings.Select(f => $"seed {f.Seed}: {f.Problem}"));
        Assert.Null(health);
        if (target is EngineTarget engine)
        {
            // The shadow UAF oracle must have had something to judge: an idle oracle passes any engine.
            output.WriteLine($"shadow: {engine.ShadowUseAfterFrees} use-after-frees seen and reported, {engine.DisplacedInFlight} displaced in flight (known gap)");
            Assert.True(engine.ShadowUseAfterFrees > 0, "no use-after-free in the whole run");
        }
    }
}
