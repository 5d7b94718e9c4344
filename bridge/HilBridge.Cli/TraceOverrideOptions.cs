using System.CommandLine;
using HilBridge.Core.Engine;
using HilBridge.Scenarios;

namespace HilBridge.Cli;

/// <summary>The what-if options of `replay` and `trace import`: another policy, timeout, fence policy or mode.</summary>
internal sealed class TraceOverrideOptions
{
    public Option<FileInfo?> Policy { get; } = new("--policy")
    {
        Description = "Scenario YAML whose rules replace the recorded ones, with the engine keys it states (timeout, fencePolicy, fenceMode, seed); the recorded values of the others stay",
    };

    public Option<string?> Timeout { get; } = new("--invalidation-timeout") { Description = "Invalidation timeout: 1s, 100ms, arm-smmu-v3, amd-vi, pcie" };

    /// <summary>The old spelling, which `run` uses for the guest's seconds: still accepted, with a warning.</summary>
    public Option<string?> DeprecatedTimeout { get; } = new("--timeout") { Description = "Deprecated: --invalidation-timeout", Hidden = true };

    public Option<ulong?> Seed { get; } = new("--seed") { Description = "The engine's seed (default: the recorded one, or --policy's engine.seed)" };

    public Option<string?> FencePolicy { get; } = new("--fence-policy") { Description = "hope | fence" };

    public Option<string?> FenceMode { get; } = new("--fence-mode") { Description = "block-translated | abort" };

    public void AddTo(Command command)
    {
        command.Options.Add(Policy);
        command.Options.Add(Timeout);
        command.Options.Add(DeprecatedTimeout);
        command.Options.Add(Seed);
        command.Options.Add(FencePolicy);
        command.Options.Add(FenceMode);
    }

    /// <summary>The overrides given, or an error message.</summary>
    public (Traces.Replay.ReplayOptions? Options, Scenario? Scenario, string? Error) Build(ParseResult parse)
    {
        try
        {
            Scenario? scenario = parse.GetValue(Policy) is { } file ? ScenarioLoader.Load(file.FullName) : null;
            var timeoutText = parse.GetValue(Timeout);
            if (parse.GetValue(DeprecatedTimeout) is { } old)
            {
                Console.Error.WriteLine($"hilbridge {parse.CommandResult.Command.Name}: warning: --timeout is deprecated here, say --invalidation-timeout (run's --timeout is the guest's seconds)");
                timeoutText ??= old;
            }

            // A policy file replaces the rules and only the engine keys it states; defaults it did not ask for stay out.
            var stated = scenario?.EngineKeysStated ?? StatedEngineKeys.None;
            var options = new Traces.Replay.ReplayOptions
            {
                Policy = scenario?.Engine.Policy,
                Timeout = timeoutText is { } t ? ScenarioValues.ParseTimeout(t, "--invalidation-timeout") : Stated(scenario, StatedEngineKeys.Timeout, e => e.InvalidationTimeout),
                FencePolicy = Parse<FencePolicy>(parse.GetValue(FencePolicy), "--fence-policy") ?? Stated(scenario, StatedEngineKeys.FencePolicy, e => e.FencePolicy),
                FenceMode = Parse<FenceMode>(parse.GetValue(FenceMode), "--fence-mode") ?? Stated(scenario, StatedEngineKeys.FenceMode, e => e.FenceMode),
                Seed = parse.GetValue(Seed) ?? Stated(scenario, StatedEngineKeys.Seed, e => e.Seed),
            };
            if (scenario is not null && KeptRecorded(stated) is { Length: > 0 } kept)
            {
                Console.Error.WriteLine($"hilbridge {parse.CommandResult.Command.Name}: --policy {parse.GetValue(Policy)!.Name} replaces the rules; it states no {kept}, so the recorded ones stay");
            }

            if (options.Timeout is { } timeout && timeout <= TimeSpan.Zero)
            {
                return (null, null, "--invalidation-timeout must be positive");
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

    private static T? Stated<T>(Scenario? scenario, StatedEngineKeys key, Func<EngineOptions, T> value) where T : struct =>
        scenario is not null && scenario.EngineKeysStated.HasFlag(key) ? value(scenario.Engine) : null;

    private static string KeptRecorded(StatedEngineKeys stated) => string.Join(", ",
        new[] { (StatedEngineKeys.Timeout, "engine.timeout"), (StatedEngineKeys.FencePolicy, "engine.fencePolicy"), (StatedEngineKeys.FenceMode, "engine.fenceMode"), (StatedEngineKeys.Seed, "engine.seed") }
            .Where(k => !stated.HasFlag(k.Item1)).Select(k => k.Item2));

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
