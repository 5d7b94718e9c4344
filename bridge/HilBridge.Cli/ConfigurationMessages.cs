using System.Text.RegularExpressions;

namespace HilBridge.Cli;

/// <summary>The configuration binder's messages, which name .NET types, in the user's words.</summary>
internal static partial class ConfigurationMessages
{
    /// <summary>
    /// "Failed to convert configuration value 'two' at 'Run:Qemu:Cpus' to type 'System.Int32'." becomes
    /// "Run:Qemu:Cpus (HILBRIDGE_RUN__QEMU__CPUS): 'two' is not a whole number".
    /// </summary>
    public static string ConversionFailed(string binderMessage)
    {
        var match = Conversion().Match(binderMessage);
        if (!match.Success)
        {
            return binderMessage;
        }

        var (value, key, type) = (match.Groups["value"].Value, match.Groups["key"].Value, match.Groups["type"].Value);
        var variable = "HILBRIDGE_" + key.Replace(":", "__").ToUpperInvariant();
        return $"{key} ({variable}): '{value}' is not {Expected(type)}";
    }

    /// <summary>
    /// System.CommandLine's "Cannot parse argument 'abc' for option '--rounds' as expected type 'System.Int32'."
    /// becomes "--rounds: 'abc' is not a whole number"; other parse errors are already in the user's words.
    /// </summary>
    public static string ParseError(string message)
    {
        var match = ParseFailure().Match(message);
        return match.Success
            ? $"{match.Groups["option"].Value}: '{match.Groups["value"].Value}' is not {Expected(match.Groups["type"].Value)}"
            : message;
    }

    /// <summary>What a value of a .NET type looks like, for someone who never saw the type.</summary>
    public static string Expected(string type)
    {
        var bare = type.StartsWith("System.Nullable`1[[", StringComparison.Ordinal) ? type["System.Nullable`1[[".Length..].Split(',')[0] : type;
        return bare switch
        {
            "System.Int32" or "System.Int64" or "System.Int16" => "a whole number",
            "System.UInt32" or "System.UInt64" or "System.UInt16" or "System.Byte" => "a whole number >= 0",
            "System.Double" or "System.Single" or "System.Decimal" => "a number",
            "System.Boolean" => "true or false",
            "System.TimeSpan" => "a duration as [d.]hh:mm:ss[.fff], e.g. 00:00:05",
            "System.String" => "text",
            _ when bare.StartsWith("HilBridge.", StringComparison.Ordinal) && FindType(bare) is { IsEnum: true } e
                => "one of " + string.Join(", ", Enum.GetNames(e)),
            _ => "a valid " + bare[(bare.LastIndexOf('.') + 1)..].ToLowerInvariant(),
        };
    }

    private static Type? FindType(string name) =>
        AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetType(name)).FirstOrDefault(t => t is not null);

    [GeneratedRegex(@"^Cannot parse argument '(?<value>.*)' for (option|command|argument) '(?<option>[^']*)' as expected type '(?<type>[^']*)'")]
    private static partial Regex ParseFailure();

    [GeneratedRegex(@"^Failed to convert configuration value '(?<value>.*)' at '(?<key>[^']*)' to type '(?<type>[^']*)'")]
    private static partial Regex Conversion();
}
