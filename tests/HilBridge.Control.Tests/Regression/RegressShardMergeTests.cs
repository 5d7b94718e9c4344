using System.Xml.Linq;
using HilBridge.Control.Tests.TestSupport;

namespace HilBridge.Control.Tests.Regression;

/// <summary>
/// Regressions beyond one machine, as CI runs them: `hilbridge regress --shard i/4` in four processes at once (as
/// four CI jobs or pods would), then `hilbridge regress merge`. The suite is suites/ci/replay.yaml: the recorded
/// runs committed as fixtures, replayed and judged (seconds each, no guest), so eight guest boots are not needed
/// to test the split and the merge; the cases go through the same runner, writers and merge as live ones.
/// </summary>
public sealed class RegressShardMergeTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);

    private readonly string _dir = Directory.CreateTempSubdirectory("hb-regress-merge-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Merge_FourShardsRunInParallel_GivesTheUnshardedJUnitAndKtap()
    {
        var shards = Enumerable.Range(1, 4).Select(i => Path.Combine(_dir, $"shard-{i}")).ToList();
        var runs = shards.Select((dir, i) => Hilbridge.RunAsync(Limit, "regress", "suites/ci/replay.yaml", "--shard", $"{i + 1}/4", "--out", dir))
            .Append(Hilbridge.RunAsync(Limit, "regress", "suites/ci/replay.yaml", "--out", Path.Combine(_dir, "all")))
            .ToList();
        foreach (var run in await Task.WhenAll(runs))
        {
            Assert.True(run.ExitCode == 0, run.Describe());
            run.Dispose();
        }

        using var merge = await Hilbridge.RunAsync(Limit, ["regress", "merge", .. shards, "--out", Path.Combine(_dir, "merged")]);

        Assert.True(merge.ExitCode == 0, merge.Describe());
        Assert.Contains("merged from shards 1/4, 2/4, 3/4, 4/4", merge.Stdout);
        var unsharded = Cases(Path.Combine(_dir, "all", "junit.xml"));
        Assert.Equal(5, unsharded.Count);
        Assert.Equal(unsharded, Cases(Path.Combine(_dir, "merged", "junit.xml")));
        Assert.Equal(File.ReadAllText(Path.Combine(_dir, "all", "ktap.txt")), File.ReadAllText(Path.Combine(_dir, "merged", "ktap.txt")));
        Assert.Contains("ats-stragglers-timeout", File.ReadAllText(Path.Combine(_dir, "merged", "report-card.html")));
        // Each shard ran its part only: together all five, none twice.
        Assert.Equal(unsharded.Select(c => c.Name).Order(), shards.SelectMany(s => Cases(Path.Combine(s, "junit.xml"))).Select(c => c.Name).Order());
    }

    [Fact]
    public async Task Regress_JunitDashAndJson_StdoutHoldsTheOutputAlone()
    {
        var shard = Path.Combine(_dir, "one");
        using var junit = await Hilbridge.RunAsync(Limit, "regress", "suites/ci/replay.yaml", "-k", "drop-fence", "--out", shard, "--junit", "-");
        Assert.True(junit.ExitCode == 0, junit.Describe());
        // The same XML as the file kept in the folder (merge and --last-failed read it there); the table went to stderr.
        Assert.Equal(File.ReadAllText(Path.Combine(shard, "junit.xml")).TrimEnd(), junit.Stdout.TrimEnd());
        Assert.Single(XDocument.Parse(junit.Stdout).Descendants("testcase"));
        Assert.Contains("regress passed: 1 of 1 scenarios passed", junit.Stderr);

        using var merged = await Hilbridge.RunAsync(Limit, "regress", "merge", shard, "--out", Path.Combine(_dir, "merged"), "--json");
        Assert.True(merged.ExitCode == 0, merged.Describe());
        using var json = System.Text.Json.JsonDocument.Parse(merged.Stdout);
        Assert.Equal(("regress", 1), (json.RootElement.GetProperty("result").GetString(), json.RootElement.GetProperty("schemaVersion").GetInt32()));
        Assert.Equal("passed", json.RootElement.GetProperty("suites")[0].GetProperty("cases")[0].GetProperty("attempts")[0].GetProperty("status").GetString());

        using var both = await Hilbridge.RunAsync(Limit, "regress", "merge", shard, "--out", Path.Combine(_dir, "merged2"), "--markdown", "-", "--json");
        Assert.Equal(2, both.ExitCode);
        Assert.Contains("hilbridge regress merge: --markdown and --json cannot all be '-' (standard output)", both.Stderr);
    }

    [Fact]
    public async Task Merge_SameShardTwice_UsageErrorNamingTheCase()
    {
        var shard = Path.Combine(_dir, "one");
        using (var run = await Hilbridge.RunAsync(Limit, "regress", "suites/ci/replay.yaml", "-k", "drop-fence", "--out", shard))
        {
            Assert.True(run.ExitCode == 0, run.Describe());
        }

        using var merge = await Hilbridge.RunAsync(Limit, "regress", "merge", shard, shard, "--out", Path.Combine(_dir, "merged"));

        Assert.Equal(2, merge.ExitCode);
        Assert.Contains("hilbridge regress merge: replay/", merge.Stderr);
        Assert.Contains("drop-fence.hbt.gz is in two of the merged folders", merge.Stderr);
    }

    [Fact]
    public async Task Regress_KLastFailedAndFailFast_ChooseTheCases()
    {
        // A suite of one good trace and one that does not read (an error case): "bad" sorts, so runs, first.
        var suiteDir = Path.Combine(_dir, "suite");
        Directory.CreateDirectory(suiteDir);
        File.Copy(Path.Combine(Hilbridge.RepositoryRoot(), "tests/HilBridge.Traces.Tests/Fixtures/recorded/stragglers-hope.hbt.gz"), Path.Combine(suiteDir, "good.hbt.gz"));
        File.WriteAllBytes(Path.Combine(suiteDir, "bad.hbt"), [1, 2, 3]);
        var suite = Path.Combine(suiteDir, "mixed.yaml");
        File.WriteAllText(suite, "scenarios: ['*.hbt*']\n");
        var output = Path.Combine(_dir, "out");

        using var all = await Hilbridge.RunAsync(Limit, "regress", suite, "--out", output);
        var ktap = File.ReadAllText(Path.Combine(output, "ktap.txt"));
        using var filtered = await Hilbridge.RunAsync(Limit, "regress", suite, "-k", "GOO*", "--out", Path.Combine(_dir, "k"));
        using var failFast = await Hilbridge.RunAsync(Limit, "regress", suite, "--fail-fast", "--out", Path.Combine(_dir, "ff"));
        using var lastFailed = await Hilbridge.RunAsync(Limit, "regress", suite, "--last-failed", "--out", output);

        Assert.Equal(1, all.ExitCode);
        Assert.StartsWith("KTAP version 1\n1..2\nnot ok 1 mixed/bad\n# error: ", ktap);
        Assert.Contains("\nok 2 mixed/good\n", ktap);
        Assert.True(filtered.ExitCode == 0, filtered.Describe());
        Assert.Equal(["good"], Cases(Path.Combine(_dir, "k", "junit.xml")).Select(c => c.Name));
        Assert.Equal(1, failFast.ExitCode);
        Assert.Equal(["bad"], Cases(Path.Combine(_dir, "ff", "junit.xml")).Select(c => c.Name));
        Assert.Contains("# 1 not run (stopped at the first failure)", File.ReadAllText(Path.Combine(_dir, "ff", "ktap.txt")));
        Assert.Equal(1, lastFailed.ExitCode);
        Assert.Equal(["bad"], Cases(Path.Combine(output, "junit.xml")).Select(c => c.Name));
    }

    /// <summary>Every test case as CI reads it: suite, name, file and verdict (not the times or the host).</summary>
    private static List<(string Suite, string Name, string File, string Verdict)> Cases(string junit) =>
        XDocument.Load(junit).Descendants("testcase").Select(t => (
            (string)t.Attribute("classname")!, (string)t.Attribute("name")!, (string)t.Attribute("file")!,
            t.Element("failure") is not null ? "failure" : t.Element("error") is not null ? "error" : "passed")).ToList();
}
