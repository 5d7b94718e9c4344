using System.CommandLine;
using HilBridge.Scenarios;
using HilBridge.Scenarios.Json;

namespace HilBridge.Cli;

/// <summary>`hilbridge scenario check FILE...` (validate without booting) and `scenario schema` (the JSON Schema).</summary>
internal static class ScenarioCommand
{
    public static Command Create()
    {
        var command = new Command("scenario", "Scenario files: check them without booting a guest, or print their JSON Schema");
        command.Subcommands.Add(Check());
        command.Subcommands.Add(Schema());
        var metrics = new Command("metrics", "Print the expect: metrics and operators as the README's Markdown table");
        metrics.SetAction(_ => Console.Write(RunMetricDocs.Markdown()));
        command.Subcommands.Add(metrics);
        return command;
    }

    private static Command Check()
    {
        var files = new Argument<FileInfo[]>("FILE") { Description = "Scenario files (scenarios/*.yaml)", Arity = ArgumentArity.OneOrMore };
        var json = ResultOutput.JsonOption("one result per file");
        var command = new Command("check", "Load and validate scenario files as `run` would, without booting: exit 0 if all are valid, 2 naming the line of each problem") { files, json };
        command.SetAction(parse =>
        {
            var results = new List<object>();
            var bad = 0;
            foreach (var file in parse.GetValue(files)!)
            {
                try
                {
                    var s = ScenarioLoader.Load(file.FullName);
                    results.Add(new { file = file.FullName, valid = true, scenario = s.Name, rules = s.Engine.Policy.Rules.Count, expectations = s.Expectations.Count });
                    if (!parse.GetValue(json))
                    {
                        Console.WriteLine($"{file.FullName}: ok (scenario {s.Name}: {s.Engine.Policy.Rules.Count} rules, {s.Expectations.Count} expectations, {s.Control.Count} control actions)");
                    }
                }
                catch (ScenarioException ex)
                {
                    bad++;
                    results.Add(new { file = file.FullName, valid = false, error = ex.Message });
                    Console.Error.WriteLine($"hilbridge scenario check: {ex.Message}");
                }
            }

            if (parse.GetValue(json))
            {
                Console.WriteLine(ResultJson.SerializeHeaded("scenario.check", new { valid = bad == 0, files = results }));
            }

            return (int)(bad == 0 ? ExitCode.Ok : ExitCode.Usage);
        });
        return command;
    }

    private static Command Schema()
    {
        var command = new Command("schema", "Print the JSON Schema of scenario files (scenarios/scenario.schema.json is this output)");
        command.SetAction(_ => Console.Write(ScenarioSchema.Generate()));
        return command;
    }
}
