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
        var kind = new Option<string?>("--kind") { Description = "Only records of this one kind: input, effect, smmu, guest, run-end, end" };
        kind.CompletionSources.Add(Enum.GetNames<TraceRecordKind>().Select(Kebab).ToArray());
        var command = new Command("dump", "Print a trace's header and records") { file, json, from, limit, kind };
        command.SetAction((parse, ct) =>
        {
            var only = parse.GetValue(kind) is { } k ? ParseKind(k) : (TraceRecordKind?)null;
            if (parse.GetValue(limit) is < 0)
            {
                throw new UsageException($"--limit {parse.GetValue(limit)}: give a count >= 0");
            }

            if (parse.GetValue(from) < 0)
            {
                throw new UsageException($"--from {parse.GetValue(from)}: give a record index >= 0");
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

    /// <summary>
    /// One kind by name. Enum.TryParse alone would take "99" and "input,effect" (flags OR-ed into another kind),
    /// so only the names themselves are accepted.
    /// </summary>
    private static TraceRecordKind ParseKind(string text)
    {
        var names = Enum.GetNames<TraceRecordKind>().Select(Kebab).ToList();
        var match = Enum.GetValues<TraceRecordKind>().Where(v => string.Equals(Kebab(v.ToString()), text.Trim(), StringComparison.OrdinalIgnoreCase)).ToList();
        return match.Count == 1 ? match[0]
            : throw new UsageException($"--kind '{text}' is not one of {string.Join(", ", names)} (one kind; run dump once per kind)");
    }

    private static string Kebab(string name) => string.Concat(name.Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));

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
