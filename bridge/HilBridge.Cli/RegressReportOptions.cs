using System.CommandLine;
using HilBridge.Control.Regression;
using HilBridge.Scenarios.Json;

namespace HilBridge.Cli;

/// <summary>
/// Where `regress` and `regress merge` put their report: --junit and --markdown paths (`-` for standard output) and
/// --json (regress.json's content on stdout). Whatever takes stdout gets it alone: the table and the paths go to stderr.
/// </summary>
internal sealed class RegressReportOptions
{
    private readonly Option<FileInfo?> _junit = new("--junit") { Description = "JUnit XML path (default <out>/junit.xml); - writes it to standard output too" };
    private readonly Option<FileInfo?> _markdown = new("--markdown") { Description = "Markdown summary path (default <out>/summary.md), e.g. \"$GITHUB_STEP_SUMMARY\"; - writes it to standard output too" };
    private readonly Option<bool> _json = ResultOutput.JsonOption("the result (regress.json's content) instead of the table");

    public void AddTo(Command command)
    {
        command.Options.Add(_junit);
        command.Options.Add(_markdown);
        command.Options.Add(_json);
    }

    /// <summary>A usage error, or null: only one of the outputs can have standard output.</summary>
    public string? Validate(ParseResult parse)
    {
        var json = parse.GetValue(_json) ? new FileInfo(StandardStreams.Dash) : null;
        return StandardStreams.OneDashAtMost(("--junit", parse.GetValue(_junit)), ("--markdown", parse.GetValue(_markdown)), ("--json", json));
    }

    /// <summary>Writes every file of the report into <paramref name="outDir"/>, prints what was asked, and returns the exit code.</summary>
    public int Finish(ParseResult parse, RegressionReport report, string outDir, IReadOnlyList<Suite>? suitesRun)
    {
        var junit = parse.GetValue(_junit);
        var markdown = parse.GetValue(_markdown);
        var json = parse.GetValue(_json);
        // A `-` output is written to its default place in the folder (merge and --last-failed read them there), then copied.
        var written = RegressionOutputs.Write(report, outDir, Path(junit), Path(markdown), suitesRun);
        var notes = json || StandardStreams.IsDash(junit) || StandardStreams.IsDash(markdown) ? Console.Error : Console.Out;
        notes.Write(RegressOutput.Render(report));
        notes.WriteLine($"JUnit XML {written.JUnit}, KTAP {written.Ktap}, summary {written.Markdown}, kernel report card {written.CardMarkdown} (.html); `regress merge` reads {written.Record}");
        if (json)
        {
            Console.WriteLine(ResultJson.SerializeHeaded("regress", RegressionRecord.Read(outDir)));
        }
        else if (StandardStreams.IsDash(junit) || StandardStreams.IsDash(markdown))
        {
            Console.WriteLine(File.ReadAllText(StandardStreams.IsDash(junit) ? written.JUnit : written.Markdown).TrimEnd('\n'));
        }

        return (int)(report.Succeeded ? ExitCode.Ok : ExitCode.Failed);
    }

    private static string? Path(FileInfo? file) => file is null || StandardStreams.IsDash(file) ? null : file.FullName;
}
