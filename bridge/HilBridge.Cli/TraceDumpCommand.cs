using System.CommandLine;
using System.Text.Json;
using HilBridge.Traces.Analysis;
using HilBridge.Traces.Format;

namespace HilBridge.Cli;

/// <summary>`hilbridge trace dump FILE`: every record as a line of text, or as JSON lines with --json.</summary>
internal static class TraceDumpCommand
{
    public static Command Create()
    {
        var file = TraceCliSupport.TraceArgument();
        var json = new Option<bool>("--json") { Description = "JSON lines: the header, then one object per record" };
        var from = new Option<long>("--from") { Description = "First record index to print", DefaultValueFactory = _ => 0 };
        var limit = new Option<long?>("--limit") { Description = "Print at most this many records" };
        var kind = new Option<string?>("--kind") { Description = "Only records of this kind: input, effect, smmu, guest, run-end, end" };
        var command = new Command("dump", "Print a trace's header and records") { file, json, from, limit, kind };
        command.SetAction((parse, ct) =>
        {
            TraceRecordKind? only = null;
            if (parse.GetValue(kind) is { } k)
            {
                if (!Enum.TryParse<TraceRecordKind>(k.Replace("-", ""), ignoreCase: true, out var parsed))
                {
                    Console.Error.WriteLine($"hilbridge trace dump: --kind '{k}' is not one of input, effect, smmu, guest, run-end, end");
                    return Task.FromResult(TraceCliSupport.ExitUsage);
                }

                only = parsed;
            }

            using var reader = TraceCliSupport.Open(parse.GetValue(file)!, "trace dump");
            if (reader is null)
            {
                return Task.FromResult(TraceCliSupport.ExitUnusable);
            }

            Dump(reader, parse.GetValue(json), parse.GetValue(from), parse.GetValue(limit) ?? long.MaxValue, only, ct);
            return Task.FromResult(TraceCliSupport.ReportEnd(reader, "trace dump"));
        });
        return command;
    }

    private static void Dump(TraceReader reader, bool json, long from, long limit, TraceRecordKind? only, CancellationToken ct)
    {
        using var stdout = Console.OpenStandardOutput();
        using var text = new StreamWriter(stdout, bufferSize: 1 << 16) { AutoFlush = false };
        var start = reader.EngineStart;
        if (json)
        {
            text.WriteLine(TraceJson.Header(reader.Header));
        }
        else
        {
            foreach (var line in TraceText.Header(reader.Header))
            {
                text.WriteLine(line);
            }
        }

        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using var jsonWriter = new Utf8JsonWriter(buffer);
        long printed = 0;
        while (printed < limit && reader.TryRead(out var entry))
        {
            if (entry.Index < from || only is { } k && entry.Kind != k)
            {
                continue;
            }

            if ((printed & 0xFFFF) == 0)
            {
                ct.ThrowIfCancellationRequested();
            }

            if (json)
            {
                buffer.ResetWrittenCount();
                jsonWriter.Reset(buffer);
                TraceJson.Write(jsonWriter, entry, start);
                jsonWriter.Flush();
                text.Flush();
                stdout.Write(buffer.WrittenSpan);
                stdout.WriteByte((byte)'\n');
            }
            else
            {
                text.WriteLine(TraceText.Line(entry, start));
            }

            printed++;
        }

        text.Flush();
    }
}
