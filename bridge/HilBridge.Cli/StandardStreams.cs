namespace HilBridge.Cli;

/// <summary>
/// `-` as a file name (the POSIX convention): standard input for a file a command reads (a trace), standard output
/// for one it writes (--perfetto, --junit, --markdown). When stdout carries the output, what the command tells the
/// person goes to stderr so a pipe gets the output alone.
/// </summary>
internal static class StandardStreams
{
    public const string Dash = "-";

    public static bool IsDash(FileSystemInfo? file) => file?.ToString() == Dash;

    /// <summary>How a file is named in messages: its full path, or "standard input/output".</summary>
    public static string Name(FileSystemInfo file, bool output) =>
        IsDash(file) ? (output ? "standard output" : "standard input") : file.FullName;

    /// <summary>Where the command's own messages go: stderr when stdout carries one of its outputs.</summary>
    public static TextWriter Notes(params FileSystemInfo?[] outputs) => outputs.Any(IsDash) ? Console.Error : Console.Out;

    /// <summary>Only one output can be standard output.</summary>
    public static string? OneDashAtMost(params (string Option, FileSystemInfo? File)[] outputs) =>
        outputs.Count(o => IsDash(o.File)) > 1
            ? $"{string.Join(" and ", outputs.Where(o => IsDash(o.File)).Select(o => o.Option))} cannot all be '-' (standard output)"
            : null;
}
