using System.CommandLine;
using HilBridge.Host.Hosting;
using HilBridge.Host.Run;
using HilBridge.Scenarios;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace HilBridge.Cli;

/// <summary>`hilbridge run`: the main job, a live scenario against a real QEMU guest.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var scenario = new Option<FileInfo?>("--scenario") { Description = "Scenario file (scenarios/*.yaml): fault policy, workload and expected verdict" };
        var output = new Option<DirectoryInfo?>("--out") { Description = "Output folder for the console log, summary.json and disk image (default out/run-<time>)" };
        var timeout = new Option<int?>("--timeout") { Description = "Seconds the guest has to report its result (default: the scenario's, else 300)" };
        var kernel = new Option<FileInfo?>("--kernel") { Description = "Your own guest kernel (with --initrd) instead of the default Debian guest" };
        var initrd = new Option<FileInfo?>("--initrd") { Description = "Your own initramfs (with --kernel)" };
        var rounds = new Option<int>("--rounds") { Description = "Write/read/verify rounds in the guest workload", DefaultValueFactory = _ => 2 };
        var blocks = new Option<int>("--blocks") { Description = "4 KiB blocks per round", DefaultValueFactory = _ => 256 };
        var qemu = new Option<string>("--qemu") { Description = "QEMU binary", DefaultValueFactory = _ => "qemu-system-aarch64" };
        var noIommu = new Option<bool>("--no-iommu") { Description = "Serve the device without iommu_platform (no ATC; for comparison)" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Log debug messages to stderr" };
        var record = new Option<string>("--record") { Description = "Trace file of the run for `hilbridge replay` (relative to --out)", DefaultValueFactory = _ => "trace.hbt" };
        var noRecord = new Option<bool>("--no-record") { Description = "Do not record a trace" };

        var command = new Command("run", "Boot a real aarch64 guest under QEMU's SMMUv3 against the bridge, run the I/O workload and summarize")
        {
            scenario, output, timeout, kernel, initrd, rounds, blocks, qemu, noIommu, verbose, record, noRecord,
        };
        var control = new CtlHostingOptions();
        control.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            if ((parse.GetValue(kernel) is null) != (parse.GetValue(initrd) is null))
            {
                Console.Error.WriteLine("--kernel and --initrd go together");
                return 2;
            }
            Scenario chosen;
            try
            {
                chosen = parse.GetValue(scenario) is { } file
                    ? ScenarioLoader.Load(file.FullName)
                    : Scenario.Default(parse.GetValue(rounds), parse.GetValue(blocks));
            }
            catch (ScenarioException ex)
            {
                Console.Error.WriteLine($"hilbridge run: {ex.Message}");
                return 2;
            }
            if (parse.GetValue(timeout) is { } seconds)
                chosen = chosen with { Timeout = TimeSpan.FromSeconds(seconds) };
            var options = new LiveRunOptions
            {
                Scenario = chosen,
                OutputDirectory = parse.GetValue(output)?.FullName ?? Path.Combine("out", "run-" + DateTime.Now.ToString("yyyyMMdd-HHmmss")),
                Kernel = parse.GetValue(kernel)?.FullName,
                Initrd = parse.GetValue(initrd)?.FullName,
                RecordPath = parse.GetValue(noRecord) ? null : parse.GetValue(record),
            };
            options.Qemu.Binary = parse.GetValue(qemu)!;
            options.Qemu.IommuPlatform = !parse.GetValue(noIommu);
            var controlOptions = control.Build(parse, out var controlError);
            if ((controlError ?? CtlHostingOptions.Apply(controlOptions, options)) is { } badControl)
            {
                Console.Error.WriteLine($"hilbridge run: {badControl}");
                return 2;
            }
            return await ExecuteAsync(options, parse.GetValue(verbose), ct);
        });
        return command;
    }

    internal static async Task<int> ExecuteAsync(LiveRunOptions options, bool verbose, CancellationToken ct)
    {
        var builder = CliHost.CreateBuilder(verbose);
        builder.Services.AddHilBridgeLiveRun(options, new ConsoleProgress());
        using var host = builder.Build();
        // The provider is disposed when the host stops; keep the result object.
        var result = host.Services.GetRequiredService<LiveRunResult>();
        await host.RunAsync(ct);
        if (result.Error is { } error)
        {
            Console.Error.WriteLine($"hilbridge run: {error.Message}");
            return 3;
        }
        if (result.Summary is not { } summary)
            return 3;
        Console.Write(summary.Render());
        Console.WriteLine($"results in {options.OutputDirectory}");
        if (options.RecordPath is { } trace)
            Console.WriteLine($"trace in {Path.Combine(options.OutputDirectory, trace)} (hilbridge replay FILE reproduces it)");
        return summary.Passed ? 0 : 1;
    }
}
