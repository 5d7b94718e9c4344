using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using HilBridge.Bench.Replay;

// hilbridge replay benchmark: generates traces of 1 M and 10 M engine inputs (once), replays each in a
// process of its own (so a size's peak RSS is its own, not what an earlier pass left behind), counts
// engine inputs only, and reports the median over rounds; then reference passes over the largest trace
// (decode alone, Google.Protobuf's generated parser, the recording hot path). See README.md.
var sizes = new List<long> { 1_000_000, 10_000_000 };
var dir = Path.Combine(Environment.GetEnvironmentVariable("HILBRIDGE_BENCH_WORK") ?? Path.Combine(Path.GetTempPath(), "hilbridge-bench"), "replay");
var rounds = 5;
string? json = null;
string? child = null;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--sizes" when i + 1 < args.Length: sizes = args[++i].Split(',').Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToList(); break;
        case "--dir" when i + 1 < args.Length: dir = args[++i]; break;
        case "--rounds" when i + 1 < args.Length: rounds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--json" when i + 1 < args.Length: json = args[++i]; break;
        case "--replay-only" when i + 1 < args.Length: child = args[++i]; break;
        default:
            Console.Error.WriteLine("usage: dotnet run -c Release --project bench/replay [-- --sizes 1000000,10000000] [--dir DIR] [--rounds N] [--json FILE]");
            return 2;
    }
}

if (child is not null)
{
    // The child: replay one trace `rounds` times, then report this process's peak RSS (VmHWM).
    var measured = Enumerable.Range(1, rounds).Select(r => Phases.Replay(child, r)).ToList();
    var medianRate = Median(measured.Select(m => m.InputsPerSecond));
    var size = new ReplaySizeJson(measured[0].Inputs, measured[0].Records, new FileInfo(child).Length, measured.Select(m => Math.Round(m.InputsPerSecond)).ToList(),
        Math.Round(medianRate), measured.Max(m => m.PeakRssBytes), Math.Round(measured.Select(m => m.AllocatedBytes / (double)m.Inputs).Min(), 2));
    Console.WriteLine(JsonSerializer.Serialize(size, JsonOptions()));
    return 0;
}

Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}");
var traces = sizes.Order().Select(n => Generator.Ensure(Path.Combine(dir, $"replay-{n}.hbt"), n)).ToList();
foreach (var t in traces)
{
    Console.WriteLine($"trace:   {t.Inputs:N0} inputs in {t.Records:N0} records, {t.Bytes / 1e6:0.0} MB, {t.Path}");
}

var results = new List<ReplaySizeJson>();
foreach (var t in traces)
{
    var info = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };
    if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
    {
        info.ArgumentList.Add(typeof(Phases).Assembly.Location);
    }

    foreach (var a in new[] { "--replay-only", t.Path, "--rounds", rounds.ToString(CultureInfo.InvariantCulture) })
    {
        info.ArgumentList.Add(a);
    }

    using var process = Process.Start(info)!;
    var output = process.StandardOutput.ReadToEnd();
    process.WaitForExit();
    if (process.ExitCode != 0)
    {
        Console.Error.WriteLine($"replay of {t.Path} failed (exit {process.ExitCode})");
        return 1;
    }

    results.Add(JsonSerializer.Deserialize<ReplaySizeJson>(output.Trim().Split('\n')[^1], JsonOptions())!);
}

// Reference passes over the largest trace, in this process.
var largest = traces[^1].Path;
var passes = new List<ReplayPassJson>();
foreach (var (name, pass, n) in new (string, Func<string, int, Measurement>, int)[]
{
    ("decode only (TraceReader)", Phases.Decode, rounds), ("Google.Protobuf parse (peer)", Phases.ProtobufParse, rounds),
    ("record (TraceRecorder) + decode", Phases.Record, 1),
})
{
    var m = Enumerable.Range(1, n).Select(r => pass(largest, r)).ToList();
    passes.Add(new ReplayPassJson(name, m[0].Records, m.Select(x => Math.Round(x.RecordsPerSecond)).ToList(), Math.Round(Median(m.Select(x => x.RecordsPerSecond)))));
}

Console.WriteLine();
Console.WriteLine($"{"exact replay, fresh process per trace",-44}{"M inputs/s (median)",20}{"peak RSS",12}{"alloc/input",14}");
foreach (var r in results)
{
    Console.WriteLine($"{$"{r.Inputs:N0} inputs ({r.Records:N0} records)",-44}{r.MedianInputsPerSecond / 1e6,18:0.00} M{r.PeakRssBytes / 1e6,9:0} MB{r.AllocatedBytesPerInput,12:0.0} B");
}

Console.WriteLine();
foreach (var p in passes)
{
    Console.WriteLine($"{p.Name,-44}{p.MedianRecordsPerSecond / 1e6,18:0.00} M records/s (median)");
}

var big = results.MaxBy(r => r.Inputs)!;
var small = results.MinBy(r => r.Inputs)!;
Console.WriteLine();
Console.WriteLine($"target >= 5 M inputs/s (median, {big.Inputs:N0} inputs): {(big.MedianInputsPerSecond >= 5e6 ? "met" : "NOT met")} ({big.MedianInputsPerSecond / 1e6:0.00} M inputs/s)");
Console.WriteLine($"flat memory: peak RSS {small.PeakRssBytes / 1e6:0} MB for {small.Inputs:N0} inputs, {big.PeakRssBytes / 1e6:0} MB for {big.Inputs:N0} ({(double)big.PeakRssBytes / small.PeakRssBytes:0.00}x; target <= 1.10x)");
if (json is not null)
{
    File.WriteAllText(json, JsonSerializer.Serialize(new ReplayJson(results, passes), JsonOptions()));
}

return 0;

static double Median(IEnumerable<double> values)
{
    var v = values.Order().ToArray();
    return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
}

static JsonSerializerOptions JsonOptions() => new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = false };

/// <summary>The shapes hilbridge-bench's report reads (bench/HilBridge.Bench/Report/ReplayResults.cs), same names.</summary>
internal sealed record ReplaySizeJson(long Inputs, long Records, long TraceBytes, List<double> RoundInputsPerSecond, double MedianInputsPerSecond, long PeakRssBytes, double AllocatedBytesPerInput);

internal sealed record ReplayPassJson(string Name, long Records, List<double> RoundRecordsPerSecond, double MedianRecordsPerSecond);

internal sealed record ReplayJson(List<ReplaySizeJson> Sizes, List<ReplayPassJson> Passes);
