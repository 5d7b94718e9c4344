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
                throw new UsageException("give exactly one of --file, --rules or --none");
            }

            var policy = parse.GetValue(none) ? FaultPolicy.None : Read(parse.GetValue(file), parse.GetValue(rules));
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

    /// <summary>
    /// The rules of --file or --rules. No rules at all is refused: an empty string, '{}' or a file without
    /// rules would silently remove every fault, which is what --none says on purpose.
    /// </summary>
    private static FaultPolicy Read(FileInfo? file, string? inline)
    {
        var source = file is null ? "--rules" : "--file " + file.FullName;
        string yaml;
        try
        {
            yaml = file is null ? inline! : File.ReadAllText(file.FullName);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{source}: {ex.Message}", ex);
        }

        FaultPolicy policy;
        try
        {
            policy = ScenarioLoader.ParseRules(yaml);
        }
        catch (ScenarioException ex)
        {
            throw new UsageException($"{source}: {ex.Message}", ex);
        }

        return policy.Rules.Count > 0 ? policy
            : throw new UsageException($"{source} holds no rules, which would remove every fault; say --none to mean that");
    }
}
