using System.CommandLine;
using HilBridge.Traces.Export;

namespace HilBridge.Cli;

/// <summary>`hilbridge trace export FILE --perfetto OUT.json`: a timeline for ui.perfetto.dev or chrome://tracing.</summary>
internal static class TraceExportCommand
{
    public static Command Create()
    {
        var file = TraceCliSupport.TraceArgument();
        var perfetto = new Option<FileInfo>("--perfetto") { Description = "Chrome/Perfetto trace-event JSON to write; - writes it to standard output", Required = true };
        var accesses = new Option<bool>("--accesses") { Description = "Also show every access and IOTLB update (large)" };
        var command = new Command("export", "Export a trace as a Chrome/Perfetto timeline (JSON)") { file, perfetto, accesses };
        command.SetAction((parse, ct) =>
        {
            using var reader = TraceCliSupport.Open(parse.GetValue(file)!, "trace export");
            if (reader is null)
            {
                return Task.FromResult(TraceCliSupport.ExitUnusable);
            }

            var output = parse.GetValue(perfetto)!;
            var exporter = new PerfettoExporter { IncludeAccesses = parse.GetValue(accesses) };
            try
            {
                using var stream = StandardStreams.IsDash(output)
                    ? Console.OpenStandardOutput()
                    : new FileStream(output.FullName, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
                exporter.Export(reader, stream);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"hilbridge trace export: {output.FullName}: {ex.Message}");
                return Task.FromResult(TraceCliSupport.ExitUsage);
            }

            StandardStreams.Notes(output).WriteLine($"wrote {exporter.EventsWritten} events from {reader.RecordsRead} records to {StandardStreams.Name(output, output: true)} (open in https://ui.perfetto.dev)");
            return Task.FromResult(TraceCliSupport.ReportEnd(reader, "trace export"));
        });
        return command;
    }
}
