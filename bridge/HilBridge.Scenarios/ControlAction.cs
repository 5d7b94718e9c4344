using HilBridge.Core.Engine;

namespace HilBridge.Scenarios;

/// <summary>What a scenario's mid-run control action does; it is carried out through the gRPC control plane.</summary>
public enum ControlActionKind
{
    /// <summary>Replace the fault policy (<see cref="ControlAction.Policy"/>).</summary>
    SetPolicy,
    /// <summary>Fence the device now (<see cref="ControlAction.Reason"/>).</summary>
    Fence,
    /// <summary>Unfence the device now (<see cref="ControlAction.Reason"/>).</summary>
    Unfence,
}

/// <summary>
/// The guest console report that fires an action: the <see cref="Occurrence"/>-th "HB: <see cref="Report"/>" line,
/// e.g. "round 1" = after the guest's first round. Written "KIND [N]" in scenario files.
/// </summary>
public sealed record ControlTrigger(string Report, int Occurrence)
{
    public static ControlTrigger Parse(string? text, string field)
    {
        var words = (text ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length is 0 or > 2 || words[0].Contains('='))
        {
            throw new ScenarioException($"{field}: '{text}' is not a guest report like 'round 1', 'start' or 'ioerror 1'");
        }

        var occurrence = 1;
        if (words.Length == 2 && (!int.TryParse(words[1], out occurrence) || occurrence < 1))
        {
            throw new ScenarioException($"{field}: '{words[1]}' is not a positive count");
        }

        return new ControlTrigger(words[0], occurrence);
    }

    public override string ToString() => $"{Report} {Occurrence}";
}

/// <summary>One mid-run action of a scenario: when the trigger fires (plus <see cref="Delay"/>), do <see cref="Kind"/>.</summary>
public sealed record ControlAction(string Name, ControlTrigger When, TimeSpan Delay, ControlActionKind Kind, FaultPolicy? Policy = null, string? Reason = null)
{
    public string Describe() => Kind switch
    {
        ControlActionKind.SetPolicy => $"{Name}: set policy ({Policy?.Rules.Count ?? 0} rules) after guest {When}",
        _ => $"{Name}: {Kind.ToString().ToLowerInvariant()} ({Reason}) after guest {When}",
    };
}
