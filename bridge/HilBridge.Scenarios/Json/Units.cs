using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace HilBridge.Scenarios.Json;

/// <summary>
/// Writes every duration of a result in microseconds and says so in its name: a TimeSpan `AckLatencyP50`
/// becomes `ackLatencyP50Us`, a double `BootSeconds` `bootUs`, `MillisecondsSinceAck` `sinceAckUs`.
/// </summary>
internal static class Units
{
    /// <summary>Seconds-valued properties whose names do not say so.</summary>
    private static readonly HashSet<string> UnnamedSeconds = ["GuestUptimeAtStart"];

    public static void Apply(JsonTypeInfo type)
    {
        if (type.Kind != JsonTypeInfoKind.Object)
        {
            return;
        }

        foreach (var property in type.Properties)
        {
            if (property.AttributeProvider is not System.Reflection.MemberInfo member)
            {
                continue;
            }

            var name = member.Name;
            var t = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (t == typeof(TimeSpan))
            {
                property.Name = Camel(name) + "Us";
                property.CustomConverter = property.PropertyType == t ? new TimeSpanMicroseconds() : new NullableTimeSpanMicroseconds();
            }
            else if (t == typeof(double) && Scale(name) is var (stem, factor))
            {
                property.Name = Camel(stem) + "Us";
                property.CustomConverter = property.PropertyType == t ? new ScaledDouble(factor) : new NullableScaledDouble(factor);
            }
        }
    }

    /// <summary>The name without its unit and the factor to microseconds, for double durations.</summary>
    private static (string Stem, double Factor)? Scale(string name) => name switch
    {
        _ when name.EndsWith("Seconds", StringComparison.Ordinal) => (name[..^"Seconds".Length], 1e6),
        _ when name.StartsWith("Milliseconds", StringComparison.Ordinal) => (name["Milliseconds".Length..], 1e3),
        _ when UnnamedSeconds.Contains(name) => (name, 1e6),
        _ => null,
    };

    private static string Camel(string name) => JsonNamingPolicy.CamelCase.ConvertName(name);

    private sealed class TimeSpanMicroseconds : JsonConverter<TimeSpan>
    {
        public override TimeSpan Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            TimeSpan.FromTicks((long)Math.Round(reader.GetDouble() * TimeSpan.TicksPerMicrosecond));

        public override void Write(Utf8JsonWriter writer, TimeSpan value, JsonSerializerOptions options) =>
            writer.WriteNumberValue(value.Ticks / (double)TimeSpan.TicksPerMicrosecond);
    }

    private sealed class NullableTimeSpanMicroseconds : JsonConverter<TimeSpan?>
    {
        public override bool HandleNull => true;

        public override TimeSpan? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Null ? null : TimeSpan.FromTicks((long)Math.Round(reader.GetDouble() * TimeSpan.TicksPerMicrosecond));

        public override void Write(Utf8JsonWriter writer, TimeSpan? value, JsonSerializerOptions options)
        {
            if (value is { } v)
            {
                writer.WriteNumberValue(v.Ticks / (double)TimeSpan.TicksPerMicrosecond);
            }
            else
            {
                writer.WriteNullValue();
            }
        }
    }

    private sealed class ScaledDouble(double factor) : JsonConverter<double>
    {
        public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetDouble() / factor;

        public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options) => writer.WriteNumberValue(Math.Round(value * factor, 3));
    }

    private sealed class NullableScaledDouble(double factor) : JsonConverter<double?>
    {
        public override bool HandleNull => true;

        public override double? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Null ? null : reader.GetDouble() / factor;

        public override void Write(Utf8JsonWriter writer, double? value, JsonSerializerOptions options)
        {
            if (value is { } v)
            {
                writer.WriteNumberValue(Math.Round(v * factor, 3));
            }
            else
            {
                writer.WriteNullValue();
            }
        }
    }
}
