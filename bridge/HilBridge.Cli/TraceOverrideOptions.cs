using System.CommandLine;
using HilBridge.Core.Engine;
using HilBridge.Scenarios;

namespace HilBridge.Cli;

/// <summary>The what-if options of `replay` and `trace import`: another policy, timeout, fence policy or mode.</summary>
internal sealed class TraceOverrideOptions
{
    public Option<FileInfo?> Policy { get; } = new("--policy")
    {
        Description = "Scenario YAML whose engine (rules, timeout, fencePolicy, fenceMode, seed) replaces the recorded one",
    };

    public Option<string?> Timeout { get; } = new("--timeout") { Description = "Invalidation timeout: 1s, 100ms, arm-smmu-v3, amd-vi, pcie" };

    public Option<string?> FencePolicy { get; } = new("--fence-policy") { Description = "hope | fence" };

    public Option<string?> FenceMode { get; } = new("--fence-mode") { Description = "block-translated | abort" };

    public void AddTo(Command command)
    {
        command.Options.Add(Policy);
        command.Options.Add(Timeout);
        command.Options.Add(FencePolicy);
        command.Options.Add(FenceMode);
    }

    /// <summary>The overrides given, or an error message.</summary>
    public (Traces.Replay.ReplayOptions? Options, Scenario? Scenario, string? Error) Build(ParseResult parse)
    {
        try
        {
            Scenario? scenario = parse.GetValue(Policy) is { } file ? ScenarioLoader.Load(file.FullName) : null;
            var options = new Traces.Replay.ReplayOptions
            {
                Policy = scenario?.Engine.Policy,
                Timeout = parse.GetValue(Timeout) is { } t ? ScenarioValues.ParseTimeout(t) : scenario?.Engine.InvalidationTimeout,
                FencePolicy = Parse<FencePolicy>(parse.GetValue(FencePolicy), "--fence-policy") ?? scenario?.Engine.FencePolicy,
                FenceMode = Parse<FenceMode>(parse.GetValue(FenceMode), "--fence-mode") ?? scenario?.Engine.FenceMode,
                Seed = scenario?.Engine.Seed,
            };
            if (options.Timeout is { } timeout && timeout <= TimeSpan.Zero)
            {
                return (null, null, "--timeout must be positive");
            }

            return (options, scenario, null);
        }
        catch (ScenarioException ex)
        {
            return (null, null, ex.Message);
        }
    }

    /// <summary>What the overrides change, for the report header.</summary>
    public static string Describe(Traces.Replay.ReplayOptions o, EngineOptions recorded)
    {
        var parts = new List<string>();
        if (o.Policy is { } p)
        {
            parts.Add($"policy with {p.Rules.Count} rule(s) (recorded {recorded.Policy.Rules.Count})");
        }

        if (o.Timeout is { } t)
        {
            parts.Add($"timeout {t.TotalMilliseconds:0.###} ms (recorded {recorded.InvalidationTimeout.TotalMilliseconds:0.###} ms)");
        }

        if (o.FencePolicy is { } f)
        {
            parts.Add($"fence policy {f} (recorded {recorded.FencePolicy})");
        }

        if (o.FenceMode is { } m)
        {
            parts.Add($"fence mode {m} (recorded {recorded.FenceMode})");
        }

        if (o.Seed is { } s)
        {
            parts.Add($"seed {s} (recorded {recorded.Seed})");
        }

        return string.Join(", ", parts);
    }

    private static T? Parse<T>(string? text, string option) where T : struct, Enum
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var name = text.Replace("-", "").Replace("_", "");
        return Enum.TryParse<T>(name, ignoreCase: true, out var value) && Enum.IsDefined(value)
            ? value
            : throw new ScenarioException($"{option}: '{text}' is not one of {string.Join(", ", Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))}");
    }
}
