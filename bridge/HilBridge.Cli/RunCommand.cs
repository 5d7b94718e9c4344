using System.CommandLine;
using HilBridge.Control.Live;
using HilBridge.Live.Guest;
using HilBridge.Live.Hosting;
using HilBridge.Live.Run;
using HilBridge.Scenarios;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace HilBridge.Cli;

/// <summary>`hilbridge run`: the main job, a live scenario against a real QEMU guest.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var scenario = new Option<FileInfo?>("--scenario") { Description = "Scenario file (scenarios/*.yaml): fault policy, workload and expected verdict" };
        var output = new Option<DirectoryInfo?>("--out") { Description = "Output folder for the console log, summary.json and disk image (default out/run-<time>)" };
        var timeout = new Option<int?>("--timeout") { Description = "Seconds the guest has to report its result (default: the scenario's, else 300)" };
        var guestKernel = new Option<string?>("--guest-kernel") { Description = "Guest kernel: stable (Debian stable's, default), unstable (Debian unstable's newest), build[@VERSION][:PATCH_DIR] (built from source with your patches) or the path of an arm64 Image" };
        var kernelPatches = new Option<DirectoryInfo?>("--kernel-patches") { Description = "Boot a kernel built from source with this directory of patches (your series; same as --guest-kernel build:DIR, with build@VERSION's version if given)" };
        var kernel = new Option<FileInfo?>("--kernel") { Description = "Your own guest kernel (with --initrd) instead of the default Debian guest" };
        var initrd = new Option<FileInfo?>("--initrd") { Description = "Your own initramfs (with --kernel)" };
        var rounds = new Option<int>("--rounds") { Description = "Write/read/verify rounds in the guest workload", DefaultValueFactory = _ => 2 };
        var blocks = new Option<int>("--blocks") { Description = "4 KiB blocks per round", DefaultValueFactory = _ => 256 };
        var qemu = new Option<string>("--qemu") { Description = "QEMU binary (default: the IOMMU's, qemu-system-aarch64 or qemu-system-x86_64, from PATH)" };
        var iommu = IommuOption.Create();
        var noIommu = new Option<bool>("--no-iommu") { Description = "Serve the device without iommu_platform (no ATC; for comparison)" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Log debug messages to stderr" };
        var record = new Option<string>("--record") { Description = "Trace file of the run for `hilbridge replay` (relative to --out)", DefaultValueFactory = _ => "trace.hbt" };
        var noRecord = new Option<bool>("--no-record") { Description = "Do not record a trace" };

        var command = new Command("run", "Boot a real guest under QEMU's SMMUv3 (aarch64) or Intel VT-d (x86_64, --iommu vtd) against the bridge, run the I/O workload and summarize")
        {
            scenario, output, timeout, guestKernel, kernelPatches, kernel, initrd, rounds, blocks, qemu, iommu, noIommu, verbose, record, noRecord,
        };
        var control = new CtlHostingOptions();
        control.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            Scenario chosen;
            try
            {
                chosen = parse.GetValue(scenario) is { } file
                    ? ScenarioLoader.Load(file.FullName)
                    : Scenario.Default(parse.GetValue(rounds), parse.GetValue(blocks));
            }
            catch (ScenarioException ex)
            {
                return CliHost.Usage("run", ex.Message);
            }
            if (parse.GetValue(timeout) is { } seconds)
            {
                chosen = chosen with { Timeout = TimeSpan.FromSeconds(seconds) };
            }

            var controlOptions = control.Build(parse, out var controlError);
            if ((controlError ?? CtlHostingOptions.Check(controlOptions, chosen)) is { } badControl)
            {
                return CliHost.Usage("run", badControl);
            }

            string? patchedKernel = null;
            if (parse.GetValue(kernelPatches) is { } patches
                && (patchedKernel = GuestKernelSpec.WithPatches(parse.GetValue(guestKernel), patches.FullName, out var patchError)) is null)
            {
                return CliHost.Usage("run", patchError!);
            }

            var flags = new ConfigurationFlags(parse)
                .Map(output, "Run:OutputDirectory", d => d!.FullName)
                .Map(guestKernel, "Run:GuestKernel")
                .Map(kernel, "Run:Kernel", f => f!.FullName)
                .Map(initrd, "Run:Initrd", f => f!.FullName)
                .Map(qemu, "Run:Qemu:Binary")
                .Map(iommu, "Run:Iommu", k => k!.Value.ToString())
                .Map(noIommu, "Run:Qemu:IommuPlatform", off => off ? "false" : "true")
                .Map(record, "Run:RecordPath");
            if (patchedKernel is not null)
            {
                flags.Set("Run:GuestKernel", patchedKernel);
            }

            if (parse.GetValue(noRecord))
            {
                flags.Set("Run:RecordPath", ""); // empty: record nothing
            }

            var defaults = new Dictionary<string, string?> { ["Run:OutputDirectory"] = Path.Combine("out", "run-" + DateTime.Now.ToString("yyyyMMdd-HHmmss")) };
            var builder = CliHost.CreateBuilder(parse.GetValue(verbose), flags, defaults);
            builder.Services.AddSingleton<IProgress<string>>(new ConsoleProgress());
            builder.Services.AddHilBridgeLiveRun(builder.Configuration);
            builder.Services.Configure<LiveRunOptions>(o =>
            {
                o.Scenario = chosen;
                if (controlOptions is not null)
                {
                    ControlPlaneExtension.AddTo(o, controlOptions);
                }
            });
            return await ExecuteAsync(builder, ct);
        });
        return command;
    }

    private static async Task<int> ExecuteAsync(HostApplicationBuilder builder, CancellationToken ct)
    {
        using var host = builder.Build();
        // The provider is disposed when the host stops; keep the result object.
        var result = host.Services.GetRequiredService<LiveRunResult>();
        if (CliHost.Validate(host, "run") is { } usage)
        {
            return usage;
        }

        var options = host.Services.GetRequiredService<IOptions<LiveRunOptions>>().Value;
        await host.RunAsync(ct);
        if (result.Error is { } error)
        {
            Console.Error.WriteLine($"hilbridge run: {error.Message}");
            return 3;
        }
        if (result.Summary is not { } summary)
        {
            return 3;
        }

        Console.Write(summary.Render());
        Console.WriteLine($"results in {options.OutputDirectory}");
        if (options.TracePath is { } trace)
        {
            Console.WriteLine($"trace in {trace} (hilbridge replay FILE reproduces it)");
        }

        return summary.Passed ? 0 : 1;
    }
}
