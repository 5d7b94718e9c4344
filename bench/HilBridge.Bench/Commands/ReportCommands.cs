using System.CommandLine;
using System.Text.Json;
using HilBridge.Bench.Report;

namespace HilBridge.Bench.Commands;

/// <summary>`machine` (what we run on, now), `report` (the table from a run directory) and `render` (latest.md and the README section from latest.json).</summary>
internal static class ReportCommands
{
    public static Command Machine()
    {
        var output = new Option<string>("--out") { Required = true, Description = "JSON file to write" };
        var command = new Command("machine", "Record the machine information (and load average) now") { output };
        command.SetAction(parse =>
        {
            File.WriteAllText(parse.GetValue(output)!, JsonSerializer.Serialize(MachineInfo.Collect(), BenchJson.Options));
            return 0;
        });
        return command;
    }

    public static Command Report()
    {
        var input = new Option<string>("--in") { Required = true, Description = "Run directory (iotlb.json, guest.json, machine-*.json, replay.json)" };
        var md = new Option<string>("--md") { Required = true, Description = "Markdown file to write" };
        var json = new Option<string>("--json") { Required = true, Description = "JSON file to write" };
        var quick = new Option<bool>("--quick") { Description = "The run was a --quick one (never publishable)" };
        var failed = new Option<string>("--failed") { DefaultValueFactory = _ => "", Description = "Comma-separated steps that failed (never publishable)" };
        var threshold = new Option<double>("--load-threshold") { DefaultValueFactory = _ => Publication.DefaultLoadThreshold, Description = "1-min load average gate" };
        var ignoreLoad = new Option<bool>("--ignore-load") { Description = "Publish above the load gate (marked in the table)" };
        var command = new Command("report", "Write the results table (Markdown and JSON); prints MET/MISSED per target and 'publishable: yes|no'")
        {
            input, md, json, quick, failed, threshold, ignoreLoad,
        };
        command.SetAction(parse =>
        {
            var report = BenchReport.Load(parse.GetValue(input)!, parse.GetValue(quick),
                parse.GetValue(failed)!.Split(',', StringSplitOptions.RemoveEmptyEntries), parse.GetValue(threshold), parse.GetValue(ignoreLoad));
            File.WriteAllText(parse.GetValue(json)!, report.ToJson());
            File.WriteAllText(parse.GetValue(md)!, MarkdownWriter.Render(report));
            foreach (var t in report.Targets)
            {
                Console.WriteLine($"{(t.Met switch { true => "MET   ", false => "MISSED", null => "n/a   " })} {t.Target}: {t.Value?.ToString("0.###") ?? "n/a"} (limit {t.Limit}){(t.Note.Length > 0 ? " " + t.Note : "")}");
            }

            var p = report.Publication!;
            Console.WriteLine(p.Publishable ? "publishable: yes" + (p.Problems.Count > 0 ? " (" + string.Join("; ", p.Problems) + ")" : "") : "publishable: no (" + string.Join("; ", p.Problems) + ")");
            return 0;
        });
        return command;
    }

    public static Command Render()
    {
        var json = new Option<string>("--json") { Required = true, Description = "A report JSON (bench/results/latest.json)" };
        var md = new Option<string>("--md") { Required = true, Description = "Markdown file to write" };
        var readme = new Option<string?>("--readme") { Description = "README whose bench-results section to regenerate" };
        var command = new Command("render", "Render the Markdown table (and the README's section) from a report JSON") { json, md, readme };
        command.SetAction(parse =>
        {
            try
            {
                var report = BenchReport.FromJson(File.ReadAllText(parse.GetValue(json)!));
                File.WriteAllText(parse.GetValue(md)!, MarkdownWriter.Render(report));
                if (parse.GetValue(readme) is { } path)
                {
                    File.WriteAllText(path, ReadmeSection.Replace(File.ReadAllText(path), report));
                }

                return 0;
            }
            catch (Exception ex) when (ex is BenchException or JsonException or IOException)
            {
                Console.Error.WriteLine("hilbridge-bench render: " + ex.Message);
                return 1;
            }
        });
        return command;
    }
}
