using System.Text.Json;

namespace HilBridge.Fuzz;

/// <summary>
/// One thing a peer controls, with a structured generator and an oracle. A case is generated from a
/// seed; a case that breaks an oracle is serialized (JSON) so it can be kept in the corpus and
/// replayed for ever, even after the generator changes.
/// </summary>
public interface IFuzzTarget : IDisposable
{
    /// <summary>Short name: the corpus folder and the --target value.</summary>
    string Name { get; }

    /// <summary>Generates the case for <paramref name="seed"/>.</summary>
    object Generate(ulong seed);

    /// <summary>Generates a case from <paramref name="random"/> (a byte-driven one under a coverage-guided fuzzer).</summary>
    object Generate(FuzzRandom random);

    /// <summary>Runs one case; null when every oracle held, otherwise what went wrong.</summary>
    string? Execute(object input);

    string Serialize(object input);

    object Deserialize(string json);
}

/// <summary>A target whose cases are records of <typeparamref name="TCase"/>.</summary>
public abstract class FuzzTarget<TCase> : IFuzzTarget where TCase : class
{
    protected static readonly JsonSerializerOptions Json = new() { WriteIndented = true, IncludeFields = false };

    public abstract string Name { get; }

    public abstract TCase Generate(FuzzRandom random);

    public abstract string? Execute(TCase input);

    object IFuzzTarget.Generate(ulong seed) => Generate(new FuzzRandom(seed));

    object IFuzzTarget.Generate(FuzzRandom random) => Generate(random);

    string? IFuzzTarget.Execute(object input) => Execute((TCase)input);

    public string Serialize(object input) => JsonSerializer.Serialize((TCase)input, Json);

    public object Deserialize(string json) => JsonSerializer.Deserialize<TCase>(json, Json) ?? throw new JsonException("empty case");

    public virtual void Dispose()
    {
    }
}

/// <summary>A case that broke an oracle: enough to reproduce it (the input) and to tell findings apart (the problem).</summary>
public sealed record Finding(string Target, ulong Seed, string Problem, string Input)
{
    /// <summary>The problem with numbers and addresses blanked out: findings with the same signature are one bug.</summary>
    public string Signature => System.Text.RegularExpressions.Regex.Replace(Problem, @"0x[0-9a-fA-F]+|\d+", "#");
}
