using HilBridge.Core.Engine;

namespace HilBridge.Host.Scenarios;

/// <summary>A validated scenario, ready to run.</summary>
public sealed record Scenario(
    string Name,
    string? Description,
    EngineOptions Engine,
    string WorkloadArguments,
    TimeSpan Timeout,
    IReadOnlyList<Expectation> Expectations,
    string? SourcePath)
{
    /// <summary>The scenario of a plain `hilbridge run`: no faults, the guest must verify its data.</summary>
    public static Scenario Default(int rounds, int blocks) => new(
        "default", "no fault injection", new EngineOptions(), $"hb.mode=verify hb.rounds={rounds} hb.blocks={blocks}",
        TimeSpan.FromMinutes(5), [Expectation.Parse("dataVerified", "true")], null);
}
