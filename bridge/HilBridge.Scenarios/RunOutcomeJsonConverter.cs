using System.Text.Json;
using System.Text.Json.Serialization;

namespace HilBridge.Scenarios;

/// <summary>Reads and writes <see cref="RunOutcome"/> as its word ("passed"), the shape of every summary ever written.</summary>
public sealed class RunOutcomeJsonConverter : JsonConverter<RunOutcome>
{
    public override RunOutcome Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        RunOutcomeText.TryParse(reader.GetString(), out var outcome)
            ? outcome
            : throw new JsonException($"unknown run outcome '{reader.GetString()}'");

    public override void Write(Utf8JsonWriter writer, RunOutcome value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToText());
}
