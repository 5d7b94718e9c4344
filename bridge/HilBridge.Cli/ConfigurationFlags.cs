using System.CommandLine;
using System.Globalization;

namespace HilBridge.Cli;

/// <summary>
/// The flags the user actually gave, as configuration keys (e.g. --qemu as Run:Qemu:Binary). A flag left
/// at its default adds nothing, so a HILBRIDGE_ environment variable or the option's own default applies.
/// </summary>
internal sealed class ConfigurationFlags(ParseResult parse)
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.OrdinalIgnoreCase);

    public IReadOnlyDictionary<string, string?> Values => _values;

    public ConfigurationFlags Map<T>(Option<T> option, string key, Func<T, string?>? convert = null)
    {
        if (parse.GetResult(option) is { Implicit: false })
        {
            _values[key] = Convert(parse.GetValue(option)!, convert);
        }

        return this;
    }

    public ConfigurationFlags Map<T>(Argument<T> argument, string key, Func<T, string?>? convert = null)
    {
        if (parse.GetResult(argument) is { Implicit: false })
        {
            _values[key] = Convert(parse.GetValue(argument)!, convert);
        }

        return this;
    }

    /// <summary>A value computed from several flags (e.g. --no-record over --record).</summary>
    public ConfigurationFlags Set(string key, string? value)
    {
        _values[key] = value;
        return this;
    }

    private static string? Convert<T>(T value, Func<T, string?>? convert) =>
        convert is not null ? convert(value) : System.Convert.ToString(value, CultureInfo.InvariantCulture);

    public static string Seconds(int seconds) => TimeSpan.FromSeconds(seconds).ToString("c", CultureInfo.InvariantCulture);
}
