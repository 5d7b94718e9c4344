using System.Text.Json;
using HilBridge.Scenarios;
using HilBridge.Scenarios.Json;

namespace HilBridge.Control.Regression;

/// <summary>
/// regress.json: what one `regress` (or one shard of it) ran, with every attempt's summary, so that
/// `regress merge` can rebuild the report of several shards and `--last-failed` can find what failed.
/// Suites and cases keep their index in the suite list and the suite, so a merge restores the unsharded order.
/// </summary>
public sealed record RegressionRecord
{
    public const string FileName = "regress.json";
    public const int CurrentVersion = 1;

    // The tool's one result shape: the summaries inside read like summary.json.
    private static readonly JsonSerializerOptions Json = ResultJson.Options;

    public int Version { get; init; } = CurrentVersion;
    public required string Shard { get; init; }
    public int Retries { get; init; }
    public DateTimeOffset StartedAt { get; init; }
    public double DurationSeconds { get; init; }

    /// <summary>Cases the run did not start (--fail-fast stopped it).</summary>
    public int NotRun { get; init; }
    public required IReadOnlyList<SuiteEntry> Suites { get; init; }

    public sealed record SuiteEntry(int Index, string Name, string? Description, string Path, IReadOnlyList<CaseEntry> Cases);

    public sealed record CaseEntry(int Index, string RelativePath, string Path, string Name, string? LoadError, string? KernelLabel,
        CaseStatus Status, IReadOnlyList<AttemptEntry> Attempts);

    public sealed record AttemptEntry(int Attempt, CaseStatus Status,
        string Message, string Details, double DurationSeconds, string? OutputDirectory, RunSummary? Summary);

    public static RegressionRecord From(RegressionReport report, IReadOnlyList<Suite> suitesRun) => new()
    {
        Shard = report.Shard.ToString(),
        Retries = report.Retries,
        StartedAt = report.StartedAt,
        DurationSeconds = report.Duration.TotalSeconds,
        NotRun = report.NotRun,
        Suites = report.Suites.Select(s => new SuiteEntry(
            IndexOf(suitesRun, s.Suite), s.Suite.Name, s.Suite.Description, s.Suite.Path,
            s.Cases.Select(c => new CaseEntry(
                s.Suite.Cases.ToList().IndexOf(c.Case), c.Case.RelativePath, c.Case.Path, c.Case.BaseName, c.Case.LoadError, c.Case.Kernel?.Label, c.Status,
                c.Attempts.Select(a => new AttemptEntry(a.Attempt, a.Status, a.Message, a.Details, a.Duration.TotalSeconds, a.OutputDirectory, a.Summary)).ToList()))
            .ToList())).ToList(),
    };

    public void Write(string directory)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(System.IO.Path.Combine(directory, FileName), JsonSerializer.Serialize(this, Json));
    }

    /// <exception cref="SuiteException">Missing, unreadable or from an unknown version.</exception>
    public static RegressionRecord Read(string directory)
    {
        var path = System.IO.Path.Combine(directory, FileName);
        try
        {
            var record = JsonSerializer.Deserialize<RegressionRecord>(File.ReadAllText(path), Json)
                ?? throw new SuiteException($"{path}: empty");
            return record.Version == CurrentVersion ? record : throw new SuiteException($"{path}: version {record.Version}, this build reads {CurrentVersion}");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SuiteException($"{path}: {ex.Message} (is it the --out folder of a `hilbridge regress`?)", ex);
        }
        catch (JsonException ex)
        {
            throw new SuiteException($"{path}: not a regress record: {ex.Message}", ex);
        }
    }

    /// <summary>Ids of the cases that did not succeed (failed or error), for --last-failed.</summary>
    public IReadOnlySet<string> FailedCaseIds() => Suites
        .SelectMany(s => s.Cases.Where(c => c.Status is CaseStatus.Failed or CaseStatus.Error).Select(c => CaseId(s.Name, c)))
        .ToHashSet(StringComparer.Ordinal);

    /// <summary>As <see cref="SuiteCase.Id"/>.</summary>
    public static string CaseId(string suite, CaseEntry c) => $"{suite}/{c.RelativePath}{(c.KernelLabel is { } k ? $" [{k}]" : "")}";

    private static int IndexOf(IReadOnlyList<Suite> suites, Suite suite)
    {
        for (var i = 0; i < suites.Count; i++)
        {
            if (ReferenceEquals(suites[i], suite) || suites[i].Path == suite.Path)
            {
                return i;
            }
        }

        return -1;
    }
}
