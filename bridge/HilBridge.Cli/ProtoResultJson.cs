using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;

namespace HilBridge.Cli;

/// <summary>
/// A control-plane response in the tool's result shape rather than canonical protobuf JSON: 64-bit counters as
/// numbers (not strings), durations as microseconds named *Us, timestamps as ISO 8601, enums as camelCase words (an unknown value as its number),
/// every field present (defaults included).
/// </summary>
internal static class ProtoResultJson
{
    public static JsonObject ToNode(IMessage message)
    {
        var node = new JsonObject();
        foreach (var field in message.Descriptor.Fields.InFieldNumberOrder())
        {
            var value = field.Accessor.GetValue(message);
            var name = field.JsonName;
            if (field.FieldType == FieldType.Message && field.MessageType.FullName == Duration.Descriptor.FullName && !field.IsRepeated)
            {
                node[name + "Us"] = value is Duration d ? d.ToTimeSpan().Ticks / (double)TimeSpan.TicksPerMicrosecond : null;
            }
            else if (field.IsMap)
            {
                var map = new JsonObject();
                foreach (System.Collections.DictionaryEntry entry in (System.Collections.IDictionary)value)
                {
                    map[Convert.ToString(entry.Key, System.Globalization.CultureInfo.InvariantCulture)!] = Scalar(field.MessageType.FindFieldByNumber(2), entry.Value);
                }

                node[name] = map;
            }
            else if (field.IsRepeated)
            {
                var array = new JsonArray();
                foreach (var item in (System.Collections.IEnumerable)value)
                {
                    array.Add(Scalar(field, item));
                }

                node[name] = array;
            }
            else
            {
                node[name] = Scalar(field, value);
            }
        }

        return node;
    }

    private static JsonNode? Scalar(FieldDescriptor field, object? value) => value switch
    {
        null => null,
        Timestamp t => JsonValue.Create(t.ToDateTimeOffset().ToString("O", System.Globalization.CultureInfo.InvariantCulture)),
        Duration d => JsonValue.Create(d.ToTimeSpan().Ticks / (double)TimeSpan.TicksPerMicrosecond),
        IMessage m => ToNode(m),
        ByteString b => JsonValue.Create(b.ToBase64()),
        // EVENT_KIND_GUEST_CORRUPTION is EventKind.GuestCorruption in C#: "guestCorruption", as ResultJson writes every enum.
        System.Enum e => System.Enum.IsDefined(e.GetType(), e) ? JsonValue.Create(JsonNamingPolicy.CamelCase.ConvertName(e.ToString())) : JsonValue.Create(Convert.ToInt32(e, System.Globalization.CultureInfo.InvariantCulture)),
        long l => JsonValue.Create(l),
        ulong u => JsonValue.Create(u),
        int i => JsonValue.Create(i),
        uint u => JsonValue.Create(u),
        bool b => JsonValue.Create(b),
        double x => JsonValue.Create(x),
        float x => JsonValue.Create(x),
        string s => JsonValue.Create(s),
        _ => JsonValue.Create(value.ToString()),
    };
}
