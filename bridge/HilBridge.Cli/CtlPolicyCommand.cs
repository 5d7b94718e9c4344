using System.CommandLine;
using HilBridge.Control.Mapping;
using HilBridge.Core.Engine;
using HilBridge.Scenarios;
using Proto = HilBridge.Control.V1;

namespace HilBridge.Cli;

/// <summary>`hilbridge ctl set-policy`: replace the fault policy, written as a scenario file's `rules:`.</summary>
internal static class CtlPolicyCommand
{
    public static Command Create()
    {
        var file = new Option<FileInfo?>("--file") { Description = "YAML: a list of rules, or a scenario file (its rules: are used)" };
        var rules = new Option<string?>("--rules") { Description = "The rules inline, as YAML, e.g. '[{name: lost, everyNth: 50, limit: 1, outcome: drop}]'" };
        var none = new Option<bool>("--none") { Description = "No rules: a well-behaved device" };
        var command = new Command("set-policy", "Replace the fault policy; it decides from the next invalidation on (rule counters restart)")
        {
            file, rules, none,
        };
        command.SetAction((parse, ct) =>
        {
            var chosen = (parse.GetValue(file) is null ? 0 : 1) + (parse.GetValue(rules) is null ? 0 : 1) + (parse.GetValue(none) ? 1 : 0);
            if (chosen != 1)
            {
                Console.Error.WriteLine("hilbridge ctl set-policy: give exactly one of --file, --rules or --none");
                return Task.FromResult(2);
            }
            FaultPolicy policy;
            try
            {
                policy = parse.GetValue(none) ? FaultPolicy.None
                    : ScenarioLoader.ParseRules(parse.GetValue(file) is { } f ? File.ReadAllText(f.FullName) : parse.GetValue(rules)!);
            }
            catch (Exception ex) when (ex is ScenarioException or IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"hilbridge ctl set-policy: {ex.Message}");
                return Task.FromResult(2);
            }
            return CtlCommand.RunAsync(parse, async client =>
            {
                var request = new Proto.SetPolicyRequest { Device = parse.GetValue(CtlCommand.Device), Policy = PolicyMapping.ToProto(policy) };
                var response = await client.SetPolicyAsync(request, cancellationToken: ct);
                Console.Write(parse.GetValue(CtlCommand.Json) ? CtlOutput.Json(response) + "\n" : "policy set\n" + CtlOutput.Policy(response.Policy));
                return 0;
            });
        });
        return command;
    }
}
