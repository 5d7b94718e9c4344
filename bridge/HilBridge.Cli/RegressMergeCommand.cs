using System.CommandLine;
using HilBridge.Control.Regression;

namespace HilBridge.Cli;

/// <summary>
/// `hilbridge regress merge DIR...`: the output folders of `regress --shard i/N` (one per CI job or pod) as one
/// report: JUnit XML, KTAP, Markdown, the kernel report card (.md/.html) and regress.json, in the order an
/// unsharded run writes them. Exit 1 when a merged case failed, as `regress` would.
/// </summary>
internal static class RegressMergeCommand
{
    public static Command Create()
    {
        var folders = new Argument<DirectoryInfo[]>("DIR") { Description = "The shards' --out folders (each holds regress.json)", Arity = ArgumentArity.OneOrMore };
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for the merged report", Required = true };
        var command = new Command("merge", "Merge the output folders of regress shards into one JUnit, KTAP, Markdown and HTML report") { folders, output };
        var outputs = new RegressReportOptions();
        outputs.AddTo(command);
        command.SetAction(parse =>
        {
            if (outputs.Validate(parse) is { } outputError)
            {
                return CliHost.Usage("regress merge", outputError);
            }

            RegressionReport report;
            try
            {
                var records = parse.GetValue(folders)!.Select(d => RegressionRecord.Read(d.FullName)).ToList();
                if (records.Select(r => r.Shard.Split('/')[^1]).Distinct().Count() > 1)
                {
                    return CliHost.Usage("regress merge", $"the folders come from different splits ({string.Join(", ", records.Select(r => r.Shard))})");
                }

                report = RegressionMerge.Merge(records);
            }
            catch (SuiteException ex)
            {
                return CliHost.Usage("regress merge", ex.Message);
            }

            return outputs.Finish(parse, report, parse.GetValue(output)!.FullName, null);
        });
        return command;
    }
}
