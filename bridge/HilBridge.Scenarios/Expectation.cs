using System.Globalization;

namespace HilBridge.Scenarios;

/// <summary>One expected fact about a run: a metric compared with a number ("violations: == 0", "fences: >= 1", "dataVerified: true").</summary>
public sealed record Expectation(string Metric, string Operator, double Value)
{
    private static readonly string[] Operators = ["==", "!=", ">=", "<=", ">", "<"];

    /// <summary>The comparison operators a condition may start with.</summary>
    public static IReadOnlyList<string> OperatorNames => Operators;

    public string Expected => $"{Operator} {Value.ToString(CultureInfo.InvariantCulture)}";

    public static Expectation Parse(string metric, string? condition)
    {
        if (!RunMetrics.IsKnown(metric))
        {
            throw new ScenarioException($"unknown metric '{metric}' (known: {string.Join(", ", RunMetrics.Names)})");
        }

        if (condition is null)
        {
            throw new ScenarioException($"expectation {metric} has no condition (e.g. '== 0', '>= 1', 'true')");
        }

        var text = condition.Trim();
        var op = Operators.FirstOrDefault(o => text.StartsWith(o, StringComparison.Ordinal)) ?? "==";
        var operand = text[(text.StartsWith(op, StringComparison.Ordinal) ? op.Length : 0)..].Trim();
        double value = operand.ToLowerInvariant() switch
        {
            "true" => 1,
            "false" => 0,
            _ when double.TryParse(operand, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) => v,
            _ => throw new ScenarioException($"expectation {metric}: '{condition}' is not a comparison like '>= 1', '== 0' or 'true'"),
        };
        return new Expectation(metric, op, value);
    }

    public ExpectationResult Evaluate(RunSummary summary)
    {
        var actual = RunMetrics.Get(summary, Metric);
        var passed = actual is { } a && Operator switch
        {
            "==" => a == Value,
            "!=" => a != Value,
            ">=" => a >= Value,
            "<=" => a <= Value,
            ">" => a > Value,
            "<" => a < Value,
            _ => false,
        };
        return new ExpectationResult(Metric, Expected, actual?.ToString(CultureInfo.InvariantCulture) ?? "none", passed);
    }
}

/// <summary>An expectation checked against a run: what was expected, what happened.</summary>
public sealed record ExpectationResult(string Metric, string Expected, string Actual, bool Passed)
{
    /// <summary>Expected by the judge of every run, not stated by the scenario (<see cref="Judge.BridgeCarriedIo"/>).</summary>
    public bool Implicit { get; init; }

    public override string ToString() =>
        $"{(Passed ? "ok  " : "FAIL")} {Metric} {Expected} (actual {Actual}){(Implicit ? ", implicit in every run: the guest's I/O must go through the bridge" : "")}";
}
