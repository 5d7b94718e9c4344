using System.CommandLine;
using System.Text.Json;
using HilBridge.Bench.Report;

namespace HilBridge.Bench.Commands;

/// <summary>`machine` (what we run on, now) and `report` (the Markdown + JSON table from a run directory).</summary>
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
        var command = new Command("report", "Write the results table (Markdown and JSON)") { input, md, json };
        command.SetAction(parse =>
        {
            var report = BenchReport.Load(parse.GetValue(input)!);
            File.WriteAllText(parse.GetValue(md)!, MarkdownWriter.Render(report));
            File.WriteAllText(parse.GetValue(json)!, JsonSerializer.Serialize(report, BenchJson.Options));
            foreach (var t in report.Targets)
            {
                Console.WriteLine($"{(t.Met switch { true => "MET   ", false => "MISSED", null => "n/a   " })} {t.Target}: {t.Value?.ToString("0.###") ?? "n/a"} (limit {t.Limit})");
            }

            return 0;
        });
        return command;
    }
}
