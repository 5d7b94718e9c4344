using System.Diagnostics;
using System.Globalization;
using HilBridge.Bench.Replay;

// hilbridge replay benchmark: generates a trace (once), then measures exact replay, decode alone, and
// Google.Protobuf's generated parser on the same file, each in constant memory.
var events = 10_000_000L;
var path = Path.Combine(Path.GetTempPath(), "hilbridge-bench", "replay.hbt");
var rounds = 3;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--events" when i + 1 < args.Length: events = long.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--trace" when i + 1 < args.Length: path = args[++i]; break;
        case "--rounds" when i + 1 < args.Length: rounds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        default:
            Console.Error.WriteLine("usage: dotnet run -c Release --project bench/replay [-- --events N] [--trace FILE] [--rounds N]");
            return 2;
    }
}

Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}");
var trace = Generator.Ensure(path, events);
Console.WriteLine($"trace:   {trace.Records:N0} records ({trace.Events:N0} engine events), {trace.Bytes / 1e6:0.0} MB, {path}");
// A trace a tenth the size: replay's peak memory must not grow with the trace.
var smallPath = Path.ChangeExtension(path, ".small.hbt");
var small = Generator.Ensure(smallPath, Math.Max(events / 10, 1));
Console.WriteLine($"small:   {small.Records:N0} records, {small.Bytes / 1e6:0.0} MB, {smallPath}");
Console.WriteLine();

var results = new List<Measurement>();
for (int round = 1; round <= rounds; round++)
{
    results.Add(Phases.Replay(path, round));
    results.Add(Phases.Decode(path, round));
    results.Add(Phases.ProtobufParse(path, round));
}

results.Add(Phases.Record(path, 1));

// Replay the small trace last: its peak RSS next to the large one's shows memory does not grow with the trace.
var smallReplay = Phases.Replay(smallPath, 0);

Console.WriteLine();
Console.WriteLine($"{"best of " + rounds + " (events/s), worst (RSS)",-40}{"events/s",12}{"peak RSS",12}{"alloc/event",14}");
foreach (var group in results.GroupBy(r => r.Name))
{
    var best = group.MaxBy(r => r.RecordsPerSecond)!;
    Console.WriteLine($"{best.Name,-40}{best.RecordsPerSecond / 1e6,10:0.00} M{group.Max(r => r.PeakRssBytes) / 1e6,9:0} MB{best.AllocatedBytes / (double)best.Records,12:0.0} B");
}

double Best(string prefix) => results.Where(r => r.Name.StartsWith(prefix, StringComparison.Ordinal)).Max(r => r.RecordsPerSecond);
var replay = Best("replay");
var peer = Best("Google.Protobuf");
var bigPeak = results.Where(r => r.Name.StartsWith("replay", StringComparison.Ordinal)).Max(r => r.PeakRssBytes);
Console.WriteLine();
Console.WriteLine($"replay / Google.Protobuf parse of the same file: {replay / peer:0.00}x   (decode alone / Google.Protobuf: {Best("decode") / peer:0.00}x)");
Console.WriteLine($"constant memory: replay peak RSS {smallReplay.PeakRssBytes / 1e6:0} MB for {smallReplay.Records:N0} events, " +
    $"{bigPeak / 1e6:0} MB for {trace.Records:N0} events");
var record = results.Single(r => r.Name.StartsWith("record", StringComparison.Ordinal));
var decodeOnly = results.Where(r => r.Name.StartsWith("decode", StringComparison.Ordinal)).MaxBy(r => r.RecordsPerSecond)!;
Console.WriteLine($"recording hot path: {(record.Elapsed - decodeOnly.Elapsed).TotalNanoseconds / record.Records:0} ns per event (record pass minus decode), " +
    $"{(record.AllocatedBytes - decodeOnly.AllocatedBytes) / (double)record.Records:0.0} B allocated per event");
Console.WriteLine($"target >= 1 M events/s on replay: {(replay >= 1e6 ? "met" : "NOT met")} ({replay / 1e6:0.00} M events/s)");
return 0;
