using System.CommandLine;
using HilBridge.Host.Soak;
using Microsoft.Extensions.Logging;

namespace HilBridge.Cli;

/// <summary>
/// `hilbridge soak DURATION`: the real guest does continuous write/read/verify I/O (recovery mode)
/// while random delay, drop, refusal and straggler policies run epoch after epoch under the fence
/// policy; reports invalidations, fences, recoveries, violations, data mismatches and the bridge's
/// memory, and exits non-zero unless violations and mismatches are zero and memory did not grow.
/// </summary>
internal static class SoakCommand
{
    public static Command Create()
    {
        var duration = new Argument<string>("DURATION") { Description = "How long the guest does I/O: 30m, 1h, 90s, 600" };
        var output = new Option<DirectoryInfo?>("--out") { Description = "Output folder: soak.json, memory.tsv and each guest run's folder (default out/soak-<time>)" };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the policy schedule and the engine", DefaultValueFactory = _ => 1 };
        var epochMin = new Option<int>("--epoch-min") { Description = "Shortest time (s) a policy holds", DefaultValueFactory = _ => 20 };
        var epochMax = new Option<int>("--epoch-max") { Description = "Longest time (s) a policy holds", DefaultValueFactory = _ => 60 };
        var blocks = new Option<int>("--blocks") { Description = "4 KiB blocks per guest round", DefaultValueFactory = _ => 256 };
        var record = new Option<bool>("--record") { Description = "Record a replayable trace of each guest run (large)" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Log debug messages to stderr" };
        var command = new Command("soak", "Continuous guest I/O under changing fault policies (fence mode); reports violations, mismatches and memory growth")
        {
            duration, output, seed, epochMin, epochMax, blocks, record, verbose,
        };
        command.SetAction(async (parse, ct) =>
        {
            TimeSpan length;
            try
            {
                length = SoakOptions.ParseDuration(parse.GetValue(duration)!);
            }
            catch (FormatException ex)
            {
                Console.Error.WriteLine($"hilbridge soak: {ex.Message}");
                return 2;
            }
            if (parse.GetValue(epochMin) < 1 || parse.GetValue(epochMax) < parse.GetValue(epochMin) || parse.GetValue(blocks) < 1)
            {
                Console.Error.WriteLine("hilbridge soak: need 1 <= --epoch-min <= --epoch-max and --blocks >= 1");
                return 2;
            }
            var options = new SoakOptions
            {
                Duration = length,
                Seed = parse.GetValue(seed),
                OutputDirectory = parse.GetValue(output)?.FullName ?? Path.Combine("out", "soak-" + DateTime.Now.ToString("yyyyMMdd-HHmmss")),
                EpochMin = TimeSpan.FromSeconds(parse.GetValue(epochMin)),
                EpochMax = TimeSpan.FromSeconds(parse.GetValue(epochMax)),
                Blocks = parse.GetValue(blocks),
                Record = parse.GetValue(record),
            };
            using var loggers = LoggerFactory.Create(b => b
                .AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; })
                .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
                .SetMinimumLevel(parse.GetValue(verbose) ? LogLevel.Debug : LogLevel.Warning));
            var report = await new SoakRunner(options, loggers, TimeProvider.System, new ConsoleProgress()).RunAsync(ct);
            Console.Write(report.Render());
            Console.WriteLine($"results in {options.OutputDirectory}");
            return report.Passed ? 0 : 1;
        });
        return command;
    }
}
