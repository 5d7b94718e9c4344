using System.CommandLine;
using HilBridge.Traces.Format;

namespace HilBridge.Cli;

/// <summary>What the trace commands share: opening a trace with clear errors, and reporting how reading ended.</summary>
internal static class TraceCliSupport
{
    public const int ExitUsage = (int)ExitCode.Usage;
    public const int ExitUnusable = (int)ExitCode.Environment;

    public static Argument<FileInfo> TraceArgument() => new("FILE") { Description = "Trace file (.hbt) recorded by `hilbridge run` or written by `trace import`; - reads standard input" };

    /// <summary>Opens the trace, or prints why it cannot be used and returns null.</summary>
    public static TraceReader? Open(FileInfo file, string command)
    {
        try
        {
            // The reader only reads forward, so a pipe serves as well as a file.
            return StandardStreams.IsDash(file) ? new TraceReader(Console.OpenStandardInput()) : TraceReader.Open(file.FullName);
        }
        catch (TraceFormatException ex)
        {
            Console.Error.WriteLine($"hilbridge {command}: {StandardStreams.Name(file, output: false)}: {ex.Message}");
            return null;
        }
    }

    /// <summary>Warns (cut short) or errs (corrupt) on stderr; returns the exit code the status deserves.</summary>
    public static int ReportEnd(TraceReader reader, string command)
    {
        switch (reader.Status)
        {
            case TraceReadStatus.Incomplete or TraceReadStatus.Truncated:
                Console.Error.WriteLine($"hilbridge {command}: warning: trace cut short, {reader.RecordsRead} whole records read: {reader.Problem}");
                return 0;
            case TraceReadStatus.Corrupt:
                Console.Error.WriteLine($"hilbridge {command}: error: trace corrupt, stopped after {reader.RecordsRead} good records: {reader.Problem}");
                return ExitUnusable;
            default:
                return 0;
        }
    }
}
