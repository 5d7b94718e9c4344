using System.IO.Compression;
using HilBridge.Live.Replay;
using HilBridge.Scenarios;
using HilBridge.Traces.Format;
using HilBridge.Traces.Replay;

namespace HilBridge.Control.Regression;

/// <summary>
/// Runs trace cases (<see cref="SuiteCase.IsTrace"/>) by replaying the recorded trace and judging the replay
/// against the expectations in its header, as `hilbridge replay` does: the same engine decisions and verdict,
/// in seconds and without a guest. Scenario cases go to <paramref name="scenarios"/> (live runs).
/// A replay that departs from the recording fails the case: the engine no longer decides as it did.
/// </summary>
public sealed class ReplayCaseExecutor(IScenarioExecutor scenarios) : IScenarioExecutor
{
    public Task<RunSummary> RunAsync(SuiteCase scenarioCase, int attempt, string outputDirectory, IProgress<string> progress, CancellationToken ct)
    {
        if (!scenarioCase.IsTrace)
        {
            return scenarios.RunAsync(scenarioCase, attempt, outputDirectory, progress, ct);
        }

        Directory.CreateDirectory(outputDirectory);
        using var reader = Open(scenarioCase.Path);
        var replay = TraceReplayer.Run(reader, ct: ct);
        var verdict = TraceVerdict.Judge(replay, reader.Header)
            ?? throw new InvalidDataException($"{scenarioCase.RelativePath}: the trace has no run summary this build can judge (an import, or a run cut short)");
        var summary = verdict.Summary!;
        if (replay.Mismatch is { } mismatch)
        {
            summary = summary with { Outcome = RunOutcome.Failed, Reason = $"the replay departs from the recording: {mismatch}" };
        }

        File.WriteAllText(Path.Combine(outputDirectory, "summary.txt"), summary.Render());
        return Task.FromResult(summary);
    }

    private static TraceReader Open(string path)
    {
        if (!path.EndsWith(".gz", StringComparison.Ordinal))
        {
            return TraceReader.Open(path);
        }

        var unpacked = new MemoryStream();
        using (var packed = new GZipStream(File.OpenRead(path), CompressionMode.Decompress))
        {
            packed.CopyTo(unpacked);
        }

        unpacked.Position = 0;
        return new TraceReader(unpacked);
    }
}
