using System.CommandLine;
using System.Globalization;
using HilBridge.Live.Hosting;
using HilBridge.Live.Soak;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using HilBridge.Scenarios.Json;

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
        var guestKernel = new Option<string?>("--guest-kernel") { Description = "Guest kernel: stable (Debian stable's, default), unstable (Debian unstable's newest), build[@VERSION][:PATCH_DIR] (built from source with your patches) or the path of an arm64 Image" };
        var record = new Option<bool>("--record-traces") { Description = "Record a replayable trace of each guest run (large)" };
        // run's --record is a path; soak's switch had the same name. The old spelling still works, with a warning.
        var oldRecord = new Option<bool>("--record") { Description = "Deprecated: --record-traces", Hidden = true };
        var iommu = IommuOption.Create("The IOMMU every guest run is behind: smmuv3 (default) or vtd");
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Log debug messages to stderr" };
        var json = ResultOutput.JsonOption("the soak's result (soak.json's content) instead of the text");
        var command = new Command("soak", "Continuous guest I/O under changing fault policies (fence mode); reports violations, mismatches and memory growth")
        {
            duration, output, seed, epochMin, epochMax, blocks, guestKernel, record, oldRecord, iommu, verbose, json,
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
                return CliHost.Usage("soak", ex.Message);
            }
            var flags = new ConfigurationFlags(parse)
                .Set("Soak:Duration", length.ToString("c", CultureInfo.InvariantCulture))
                .Map(output, "Soak:OutputDirectory", d => d!.FullName)
                .Map(seed, "Soak:Seed")
                .Map(epochMin, "Soak:EpochMin", ConfigurationFlags.Seconds)
                .Map(epochMax, "Soak:EpochMax", ConfigurationFlags.Seconds)
                .Map(blocks, "Soak:Blocks")
                .Map(guestKernel, "Soak:GuestKernel")
                .Map(record, "Soak:Record")
                .Map(iommu, "Soak:Iommu", k => k!.Value.ToString());
            if (parse.GetValue(oldRecord))
            {
                Console.Error.WriteLine("hilbridge soak: warning: --record is deprecated here, say --record-traces (run's --record is a path)");
                flags.Set("Soak:Record", "true");
            }
            var defaults = new Dictionary<string, string?> { ["Soak:OutputDirectory"] = Path.Combine("out", "soak-" + DateTime.Now.ToString("yyyyMMdd-HHmmss")) };
            var builder = CliHost.CreateBuilder(parse.GetValue(verbose), flags, defaults);
            builder.Services.AddSingleton<IProgress<string>>(new ConsoleProgress());
            builder.Services.AddHilBridgeSoak(builder.Configuration);
            using var host = builder.Build();
            // Validated, not started: the soak is the command's own loop, with no hosted service to run.
            if (CliHost.Validate(host, "soak") is { } usage)
            {
                return usage;
            }

            var options = host.Services.GetRequiredService<IOptions<SoakOptions>>().Value;
            var report = await host.Services.GetRequiredService<SoakRunner>().RunAsync(ct);
            // With --json stdout holds soak.json's content alone; where the files went is for the person, on stderr.
            var asJson = parse.GetValue(json);
            Console.Write(asJson ? ResultJson.SerializeHeaded("soak", report) + "\n" : report.Render());
            (asJson ? Console.Error : Console.Out).WriteLine($"results in {options.OutputDirectory}");
            return report.Passed ? 0 : 1;
        });
        return command;
    }
}
