using System.Reflection;
using HilBridge.Core.Engine;
using HilBridge.Traces.Proto;

namespace HilBridge.Traces.Format;

/// <summary>Builds the header of a trace from what the writer knows (Core types only; the host passes its own in pieces).</summary>
public static class TraceHeaders
{
    /// <summary>"hilbridge 1.0.0+abc": who wrote a trace.</summary>
    public static string Writer { get; } =
        "hilbridge " + (typeof(TraceHeaders).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "?");

    /// <param name="scenario">Scenario name.</param>
    /// <param name="description">Scenario description, if any.</param>
    /// <param name="engine">The options the engine was built with (incl. the fault policy).</param>
    /// <param name="engineStart">The engine clock at construction.</param>
    /// <param name="versions">QEMU, kernel and other versions (GuestImage.Versions).</param>
    /// <param name="expectations">The scenario's expectations as (metric, operator, value).</param>
    /// <param name="source">"live", "import", "generated".</param>
    /// <param name="created">Wall-clock creation time (default now).</param>
    public static TraceHeader Create(string scenario, string? description, EngineOptions engine, DateTimeOffset engineStart,
        IEnumerable<KeyValuePair<string, string>>? versions = null,
        IEnumerable<(string Metric, string Operator, double Value)>? expectations = null,
        string source = "live",
        DateTimeOffset? created = null)
    {
        var header = new TraceHeader
        {
            FormatVersion = TraceFormat.Version,
            Scenario = scenario,
            Description = description ?? "",
            Engine = OptionsCodec.ToMessage(engine),
            EngineStartTicks = engineStart.UtcTicks,
            Source = source,
            Writer = Writer,
            // Metadata for humans only; nothing replays from it.
            CreatedUnixMs = (created ?? TimeProvider.System.GetUtcNow()).ToUnixTimeMilliseconds(),
        };
        if (engine.StreamId is uint sid)
        {
            header.StreamIds.Add(sid);
        }

        foreach (var (key, value) in versions ?? [])
        {
            header.Versions[key] = value;
        }

        foreach (var (metric, op, value) in expectations ?? [])
        {
            header.Expectations.Add(new ExpectationMessage { Metric = metric, Operator = op, Value = value });
        }

        return header;
    }
}
