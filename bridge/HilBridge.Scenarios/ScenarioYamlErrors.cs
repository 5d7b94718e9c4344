using System.Reflection;
using System.Text.RegularExpressions;
using YamlDotNet.Core;

namespace HilBridge.Scenarios;

/// <summary>
/// YamlDotNet's deserialization errors, which name .NET types ("Property 'fencePolicyy' not found on type
/// 'HilBridge.Scenarios.ScenarioFile+EngineSection'"), as the scenario's own words: the line, the section,
/// the key, what was expected and the nearest known key.
/// </summary>
internal static partial class ScenarioYamlErrors
{
    /// <summary>The YAML path of each section type, for "unknown key ... in engine".</summary>
    private static readonly Dictionary<Type, string> Sections = new()
    {
        [typeof(ScenarioFile)] = "the scenario",
        [typeof(ScenarioFile.EngineSection)] = "engine",
        [typeof(ScenarioFile.RuleSection)] = "a rule",
        [typeof(ScenarioFile.StragglerSection)] = "stragglers",
        [typeof(ScenarioFile.WorkloadSection)] = "workload",
        [typeof(ScenarioFile.QemuSection)] = "qemu",
        [typeof(ScenarioFile.ControlSection)] = "a control action",
    };

    public static ScenarioException Translate(YamlException ex, string yaml)
    {
        var line = ex.Start.Line;
        var inner = ex.InnerException;
        var message = ex.Message;
        if (UnknownProperty().Match(message) is { Success: true } unknown)
        {
            return new ScenarioException($"line {line}: {UnknownKey(unknown.Groups["key"].Value, unknown.Groups["type"].Value)}", ex);
        }

        if (inner is FormatException or InvalidCastException or OverflowException && ScalarAt(yaml, line) is var (key, value))
        {
            var expected = KeyType(key) is { } type ? Expected(type) : "a value of the right kind";
            return new ScenarioException($"line {line}: {key}: '{value}' is not {expected}", ex);
        }

        return new ScenarioException($"line {line}: {inner?.Message ?? message}", ex);
    }

    /// <summary>Every key a section accepts, camelCase as written in YAML.</summary>
    public static IReadOnlyList<string> Keys(Type section) =>
        section.GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => char.ToLowerInvariant(p.Name[0]) + p.Name[1..]).ToList();

    private static string UnknownKey(string key, string typeName)
    {
        var section = Sections.Keys.FirstOrDefault(t => t.FullName == typeName);
        if (section is null)
        {
            return $"unknown key '{key}'";
        }

        var keys = Keys(section);
        var near = keys.Select(k => (k, d: Distance(k.ToLowerInvariant(), key.ToLowerInvariant()))).Where(p => p.d <= Math.Max(2, key.Length / 3)).OrderBy(p => p.d).FirstOrDefault().k;
        var hint = near is not null ? $" (did you mean '{near}'?)" : $" (known: {string.Join(", ", keys)})";
        return $"unknown key '{key}' in {Sections[section]}{hint}";
    }

    /// <summary>The type of the property named <paramref name="key"/> in any section (keys are unique enough for a hint).</summary>
    private static Type? KeyType(string key)
    {
        var property = Sections.Keys.SelectMany(t => t.GetProperties()).FirstOrDefault(p => string.Equals(p.Name, key, StringComparison.OrdinalIgnoreCase));
        return property is null ? null : Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
    }

    private static string Expected(Type type) => type switch
    {
        _ when type == typeof(int) || type == typeof(long) => "a whole number",
        _ when type == typeof(uint) || type == typeof(ulong) => "a whole number >= 0",
        _ when type == typeof(double) => "a number",
        _ when type == typeof(bool) => "true or false",
        _ => "text",
    };

    /// <summary>`key: value` on the 1-based <paramref name="line"/>, if that line is one.</summary>
    private static (string Key, string Value)? ScalarAt(string yaml, long line)
    {
        var lines = yaml.Split('\n');
        if (line < 1 || line > lines.Length || KeyValue().Match(lines[line - 1]) is not { Success: true } m)
        {
            return null;
        }

        return (m.Groups["key"].Value, m.Groups["value"].Value.Trim().Trim('"', '\''));
    }

    private static int Distance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var previous = row[0];
            row[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var current = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), previous + (a[i - 1] == b[j - 1] ? 0 : 1));
                previous = current;
            }
        }

        return row[b.Length];
    }

    [GeneratedRegex(@"Property '(?<key>[^']*)' not found on type '(?<type>[^']*)'")]
    private static partial Regex UnknownProperty();

    [GeneratedRegex(@"^\s*(-\s+)?(?<key>[A-Za-z][A-Za-z0-9]*)\s*:\s*(?<value>[^#]*)")]
    private static partial Regex KeyValue();
}
