using System.Diagnostics;
using System.IO.Compression;

namespace HilBridge.Traces.Tests.Cli;

/// <summary>
/// The trace commands refuse nonsense instead of printing nothing or something else (issue 17): one-kind
/// --kind, non-negative --limit, imports without translations, silent made-up timestamps, what-ifs that
/// quietly differ or change the seed. Runs the built `hilbridge` on the recorded fixtures.
/// </summary>
public sealed class TraceCliErrorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hbtc-").FullName;

    private static string Fixtures => Path.Combine(AppContext.BaseDirectory, "Fixtures");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("99")]
    [InlineData("input,effect")]
    [InlineData("bogus")]
    public void Dump_KindNotOneName_UsageError(string kind)
    {
        var (exit, stdout, stderr) = Run("trace", "dump", Trace("stragglers-fence"), "--kind", kind);

        Assert.Equal(2, exit);
        Assert.Contains($"hilbridge trace dump: --kind '{kind}' is not one of input, effect, smmu, guest, run-end, end", stderr);
        Assert.Equal("", stdout);
    }

    [Fact]
    public void Dump_NegativeLimit_UsageError()
    {
        var (exit, _, stderr) = Run("trace", "dump", Trace("stragglers-fence"), "--limit", "-5");

        Assert.Equal(2, exit);
        Assert.Contains("hilbridge trace dump: --limit -5: give a count >= 0", stderr);
    }

    [Fact]
    public void Dump_KindRunEnd_OnlyThatKind()
    {
        var (exit, stdout, _) = Run("trace", "dump", Trace("stragglers-fence"), "--kind", "run-end");

        Assert.Equal(0, exit);
        var records = stdout.Split('\n').Where(l => l.StartsWith('#')).ToList();
        Assert.Single(records);
        Assert.Contains(" run-end ", records[0]);
    }

    [Fact]
    public void Import_LogWithoutTranslations_FailsNamingTheTraceEventsAndWritesNothing()
    {
        var log = Path.Combine(_dir, "opcodes.log");
        File.WriteAllLines(log, File.ReadLines(QemuLog).Where(l => l.Contains("smmuv3_cmdq_opcode", StringComparison.Ordinal)));
        var output = Path.Combine(_dir, "out.hbt");

        var (exit, _, stderr) = Run("trace", "import", log, "-o", output);

        Assert.Equal(2, exit);
        Assert.Contains("but no translations (smmuv3_translate_success)", stderr);
        Assert.Contains("record with -trace 'smmuv3_*'", stderr);
        Assert.False(File.Exists(output), "an empty trace was left behind");
    }

    [Fact]
    public void Import_LogWithoutTimestamps_WarnsThatTimesAreMadeUp()
    {
        var log = Path.Combine(_dir, "untimed.log");
        // "30145@1795523984.856198:smmuv3_..." -> "smmuv3_...": what QEMU writes without -msg timestamp=on.
        File.WriteAllLines(log, File.ReadLines(QemuLog).Select(l => l[(l.IndexOf(':') + 1)..]));

        var (exit, _, stderr) = Run("trace", "import", log, "-o", Path.Combine(_dir, "untimed.hbt"));

        Assert.Equal(0, exit);
        Assert.Contains("hilbridge trace import: warning: 1933 of 1933 events have no QEMU timestamp", stderr);
    }

    [Fact]
    public void Import_TimestampedLog_NoWarning()
    {
        var (exit, _, stderr) = Run("trace", "import", QemuLog, "-o", Path.Combine(_dir, "timed.hbt"));

        Assert.Equal(0, exit);
        Assert.Equal("", stderr);
    }

    [Fact]
    public void WhatIf_DiffersWithFailOnDifference_ExitsOne()
    {
        var (exit, _, _) = Run("replay", Trace("stragglers-fence"), "--fence-policy", "hope", "--fail-on-difference");

        Assert.Equal(1, exit);
    }

    [Fact]
    public void WhatIf_DiffersWithoutTheFlag_ExitsZero()
    {
        var (exit, _, _) = Run("replay", Trace("stragglers-fence"), "--fence-policy", "hope");

        Assert.Equal(0, exit);
    }

    [Fact]
    public void WhatIf_RecordedSettings_SaysItDecidesAsTheLiveRun()
    {
        var (exit, stdout, _) = Run("replay", Trace("stragglers-fence"), "--fence-policy", "fence", "--fail-on-difference");

        Assert.Equal(0, exit);
        Assert.Contains("the what-if decides as the live run did", stdout);
    }

    [Fact]
    public void WhatIf_SameVerdictMoreViolations_SaysItDiffers()
    {
        // The live run hoped and expects violations; the same rule with limit 5 instead of 3 keeps the verdict
        // "passed" with two more use-after-frees: a what-if that must not read as "identical".
        var policy = Path.Combine(_dir, "five-stragglers.yaml");
        File.WriteAllText(policy, "engine:\n  fencePolicy: hope\nrules:\n  - name: late\n    everyNth: 2\n    limit: 5\n"
            + "    stragglers:\n      count: 1\n      after: fixed 1.1s\n      kind: write\n      bytes: 64\n      target: payload\n");

        var (exit, stdout, _) = Run("replay", Trace("stragglers-hope"), "--policy", policy, "--fail-on-difference");

        Assert.Contains("verdict: passed (what-if), as the live run's", stdout);
        Assert.Contains("the what-if DIFFERS from the live run: violations 3 -> 5, timeouts 3 -> 5", stdout);
        Assert.Equal(1, exit);
    }

    [Fact]
    public void WhatIf_PolicyWithoutSeed_KeepsTheRecordedSeed()
    {
        var policy = Path.Combine(_dir, "no-seed.yaml");
        File.WriteAllText(policy, "engine:\n  fencePolicy: fence\n");

        var (_, stdout, _) = Run("replay", Trace("stragglers-hope"), "--policy", policy);

        Assert.DoesNotContain("seed", stdout.Split('\n')[1]);
    }

    [Fact]
    public void WhatIf_PolicyWithRulesOnly_KeepsTheRecordedEngineAndSaysSo()
    {
        // The live run hoped. A rules-only file used to bring the default fence policy (fence) along unasked,
        // and the what-if fenced every straggler away.
        var policy = Path.Combine(_dir, "rules-only.yaml");
        File.WriteAllText(policy, "rules:\n  - name: late\n    everyNth: 2\n    limit: 5\n"
            + "    stragglers:\n      count: 1\n      after: fixed 1.1s\n      kind: write\n      bytes: 64\n      target: payload\n");

        var (_, stdout, stderr) = Run("replay", Trace("stragglers-hope"), "--policy", policy);

        Assert.Contains("--policy rules-only.yaml replaces the rules; it states no engine.timeout, engine.fencePolicy, engine.fenceMode, engine.seed, so the recorded ones stay", stderr);
        Assert.DoesNotContain("fence policy", stdout.Split('\n')[1]);
        Assert.Contains("violations 3 -> 5", stdout);
    }

    [Fact]
    public void Stats_DashReadsTheTraceFromStandardInput()
    {
        var (exit, fromFile, _) = Run("trace", "stats", Trace("stragglers-fence"), "--json");
        var (pipedExit, piped, stderr) = RunWithInput(Trace("stragglers-fence"), "trace", "stats", "-", "--json");

        Assert.Equal((0, 0), (exit, pipedExit));
        Assert.Equal("", stderr);
        Assert.Equal(fromFile, piped);
    }

    [Fact]
    public void Export_PerfettoDashWritesTheJsonAloneToStandardOutput()
    {
        var (exit, stdout, stderr) = Run("trace", "export", Trace("stragglers-fence"), "--perfetto", "-");

        Assert.Equal(0, exit);
        using var json = System.Text.Json.JsonDocument.Parse(stdout);
        Assert.True(json.RootElement.GetProperty("traceEvents").GetArrayLength() > 100);
        Assert.Contains("events from", stderr);
        Assert.Contains("to standard output", stderr);
    }

    [Fact]
    public void Dump_EmptyStandardInput_SaysWhatIsWrong()
    {
        var empty = Path.Combine(_dir, "empty");
        File.WriteAllBytes(empty, []);

        var (exit, stdout, stderr) = RunWithInput(empty, "trace", "dump", "-");

        Assert.Equal(3, exit);
        Assert.Equal("", stdout);
        Assert.StartsWith("hilbridge trace dump: standard input: ", stderr);
    }

    [Fact]
    public void WhatIf_SeedFlag_IsNamedInTheHeader()
    {
        var (_, stdout, _) = Run("replay", Trace("stragglers-hope"), "--seed", "7");

        Assert.Contains("seed 7 (recorded ", stdout.Split('\n')[1]);
    }

    [Fact]
    public void Replay_OldTimeoutSpelling_WarnsAndStillWorks()
    {
        var (exit, stdout, stderr) = Run("replay", Trace("stragglers-hope"), "--timeout", "2s");

        Assert.Equal(0, exit);
        Assert.Contains("warning: --timeout is deprecated here, say --invalidation-timeout", stderr);
        Assert.Contains("timeout 2000 ms (recorded 1000 ms)", stdout);
    }

    [Theory]
    [InlineData("replay", "replay")]
    [InlineData("trace stats", "trace.stats")]
    public void Json_ReplayAndStats_OneVersionedShapeWithLatencyInMicroseconds(string command, string result)
    {
        var (exit, stdout, _) = Run([.. command.Split(' '), Trace("stragglers-hope"), "--json"]);

        Assert.Equal(0, exit);
        using var json = System.Text.Json.JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.Equal(1, root.GetProperty("schemaVersion").GetInt32());
        Assert.Equal(result, root.GetProperty("result").GetString());
        var figures = command == "replay" ? root.GetProperty("recorded") : root.GetProperty("decisions");
        Assert.Equal(3, figures.GetProperty("violations").GetInt64());
        var latency = figures.GetProperty("ackLatency");
        Assert.Equal(4100, latency.GetProperty("count").GetInt64());
        foreach (var p in new[] { "p50Us", "p90Us", "p99Us", "p999Us", "maxUs" })
        {
            Assert.Equal(System.Text.Json.JsonValueKind.Number, latency.GetProperty(p).ValueKind);
        }

        Assert.InRange(latency.GetProperty("maxUs").GetDouble(), 1_000_000, 1_040_000); // the three 1 s timeouts, within the histogram's 1/32
        Assert.Equal(4100, latency.GetProperty("binsUpToUs").EnumerateObject().Sum(b => b.Value.GetInt64()));
    }

    private static string QemuLog => Path.Combine(Fixtures, "qemu-7.2-smmuv3-virtio-blk.log");

    private string Trace(string name)
    {
        var path = Path.Combine(_dir, name + ".hbt");
        if (!File.Exists(path))
        {
            using var packed = new GZipStream(File.OpenRead(Path.Combine(Fixtures, "recorded", name + ".hbt.gz")), CompressionMode.Decompress);
            using var file = File.Create(path);
            packed.CopyTo(file);
        }

        return path;
    }

    private static (int Exit, string Stdout, string Stderr) Run(params string[] args) => RunWithInput(null, args);

    /// <summary>The built hilbridge with <paramref name="stdinFile"/> (if any) as its standard input.</summary>
    private static (int Exit, string Stdout, string Stderr) RunWithInput(string? stdinFile, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdinFile is not null };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "hilbridge.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        if (stdinFile is not null)
        {
            // Written while stdout is read below: a trace is larger than a pipe holds.
            _ = Task.Run(() =>
            {
                using var input = File.OpenRead(stdinFile);
                input.CopyTo(process.StandardInput.BaseStream);
                process.StandardInput.Close();
            });
        }

        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout, stderr.Result);
    }
}
