using System.CommandLine;
using HilBridge.Control.Regression;
using HilBridge.Control.Server;
using HilBridge.Live.Hosting;
using HilBridge.Live.Run;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HilBridge.Cli;

/// <summary>
/// `hilbridge regress SUITE...`: runs suites of scenarios unattended (each a fresh QEMU and guest),
/// retries failures, marks flaky ones, writes JUnit XML, KTAP, a Markdown summary, the kernel report card and
/// regress.json (for `regress merge` of shards and --last-failed), exits non-zero on any failure.
/// </summary>
internal static class RegressCommand
{
    public static Command Create()
    {
        var suites = new Argument<FileInfo[]>("SUITE") { Description = "Suite files (suites/*.yaml): scenario paths relative to the suite, directories or globs", Arity = ArgumentArity.OneOrMore };
        var output = new Option<DirectoryInfo?>("--out") { Description = "Output folder: junit.xml, summary.md, report-card.md/.html (the kernel x scenario matrix) and every attempt's run folder (default out/regress-<time>)" };
        var retries = new Option<int>("--retries") { Description = "Re-run a scenario that did not pass up to N times; passing then marks it flaky", DefaultValueFactory = _ => 0 };
        var jobs = new Option<int>("--jobs", "-j") { Description = "Scenarios run in parallel on this machine", DefaultValueFactory = _ => 1 };
        var shard = new Option<string>("--shard") { Description = "Run only shard I of N (1-based, e.g. 2/4): a stable split over CI machines", DefaultValueFactory = _ => "1/1" };
        var list = new Option<bool>("--list") { Description = "Print the scenarios this shard would run, and exit" };
        var guestKernels = new Option<string?>("--guest-kernel") { Description = "A kernel axis, comma separated (stable,unstable,build:PATCH_DIR,PATH): every scenario on each kernel, named 'scenario [kernel]'; replaces a suite's kernels:" };
        var kernelPatches = new Option<DirectoryInfo?>("--kernel-patches") { Description = "Your patch series in place of the suite's: every kernel built from source on the axis is built with this directory's patches, under the same expectations" };
        var kernel = new Option<FileInfo?>("--kernel") { Description = "Your own guest kernel (with --initrd) instead of the default Debian guest" };
        var initrd = new Option<FileInfo?>("--initrd") { Description = "Your own initramfs (with --kernel)" };
        var qemu = new Option<string>("--qemu") { Description = "QEMU binary (default: the IOMMU's, qemu-system-aarch64 or qemu-system-x86_64, from PATH)" };
        var iommu = IommuOption.Create("Every scenario behind this IOMMU: smmuv3 or vtd (default: each scenario's iommu:, else smmuv3)");
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Every run's progress lines, and debug logs on stderr" };
        var pattern = new Option<string?>("-k") { Description = "Run only the cases whose id or name contains PATTERN (case-insensitive; * and ? are wildcards within it)", HelpName = "PATTERN" };
        var lastFailed = new Option<bool>("--last-failed") { Description = "Run only the cases that failed in the previous regress into the same --out folder (its regress.json); all when none failed" };
        var failFast = new Option<bool>("--fail-fast") { Description = "Start no further case after the first one that fails (after its retries); the rest count as not run" };
        var command = new Command("regress", "Run suites of live scenarios (or replays of recorded traces) with expectations; JUnit XML, KTAP, Markdown, report card; non-zero exit on any failure")
        {
            suites, output, retries, jobs, shard, list, guestKernels, kernelPatches, kernel, initrd, qemu, iommu, verbose, pattern, lastFailed, failFast,
        };
        command.Subcommands.Add(RegressMergeCommand.Create());
        var report = new RegressReportOptions();
        report.AddTo(command);
        var control = new CtlHostingOptions();
        control.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            static int Usage(string message) => CliHost.Usage("regress", message);
            if (!Shard.TryParse(parse.GetValue(shard)!, out var selected, out var shardError))
            {
                return Usage("--shard: " + shardError);
            }

            if (report.Validate(parse) is { } outputError)
            {
                return Usage(outputError);
            }

            if (parse.GetValue(retries) < 0 || parse.GetValue(jobs) < 1)
            {
                return Usage("--retries must be >= 0 and --jobs >= 1");
            }

            if ((parse.GetValue(kernel) is null) != (parse.GetValue(initrd) is null))
            {
                return Usage("--kernel and --initrd go together");
            }

            var controlOptions = control.Build(parse, out var controlError);
            if (controlError is not null)
            {
                return Usage(controlError);
            }

            if (controlOptions?.Endpoint is ControlEndpoint.Tcp { Port: not 0 } && parse.GetValue(jobs) > 1)
            {
                return Usage("--control-tcp with a fixed port and --jobs > 1: parallel runs would share the port (use port 0)");
            }

            // --guest-kernel, else HILBRIDGE_RUN__GUESTKERNEL (as for `run`), else each suite's kernels:.
            var axisText = parse.GetValue(guestKernels) ?? new ConfigurationBuilder().AddHilBridgeSources(null, null).Build()["Run:GuestKernel"];
            var axis = axisText?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
            List<Suite> loaded;
            try
            {
                var patches = parse.GetValue(kernelPatches);
                if (patches is { Exists: false })
                {
                    return Usage($"--kernel-patches: no directory {patches.FullName}");
                }

                loaded = parse.GetValue(suites)!.Select(f => SuiteLoader.Load(f.FullName, axis, patches?.FullName)).ToList();
            }
            catch (SuiteException ex)
            {
                return Usage(ex.Message);
            }
            if (parse.GetValue(kernel) is not null && loaded.SelectMany(s => s.Cases).Any(c => c.Kernel is not null))
            {
                return Usage("--kernel/--initrd and a kernel axis (--guest-kernel or a suite's kernels:) both choose the kernel: give one");
            }

            if (controlOptions is null && loaded.SelectMany(s => s.Cases).FirstOrDefault(c => c.Scenario?.Control.Count > 0) is { } needsControl)
            {
                return Usage($"{needsControl.Id} has control: actions, which need the control plane (drop --no-control)");
            }

            if (parse.GetValue(lastFailed) && parse.GetValue(output) is null)
            {
                return Usage("--last-failed reads the previous run's regress.json from --out DIR: give --out");
            }

            IReadOnlySet<string>? failedBefore = null;
            if (parse.GetValue(lastFailed))
            {
                try
                {
                    failedBefore = RegressionRecord.Read(parse.GetValue(output)!.FullName).FailedCaseIds();
                }
                catch (SuiteException ex)
                {
                    return Usage("--last-failed: " + ex.Message);
                }

                if (failedBefore.Count == 0)
                {
                    Console.Error.WriteLine("hilbridge regress: --last-failed: nothing failed last time, running every case");
                    failedBefore = null;
                }
            }

            loaded = CaseFilter.Apply(loaded, parse.GetValue(pattern), failedBefore);
            if (!loaded.Any(s => s.Cases.Count > 0))
            {
                return Usage($"no case matches{(parse.GetValue(pattern) is { } k ? $" -k '{k}'" : "")}{(failedBefore is null ? "" : " among the last failed")}");
            }

            if (parse.GetValue(list))
            {
                foreach (var c in selected.Select(loaded.SelectMany(s => s.Cases)))
                {
                    Console.WriteLine($"{c.Id}\t{c.Name}{(c.LoadError is null ? "" : "\t(does not load: " + c.LoadError + ")")}");
                }

                return 0;
            }

            var outDir = parse.GetValue(output)?.FullName ?? Path.GetFullPath(Path.Combine("out", "regress-" + DateTime.Now.ToString("yyyyMMdd-HHmmss")));
            var isVerbose = parse.GetValue(verbose);
            var builder = CliHost.CreateBuilder(isVerbose);
            builder.Services.AddHilBridgeLiveRunner(builder.Configuration);
            using var host = builder.Build();
            var settings = new LiveScenarioSettings
            {
                QemuBinary = parse.GetValue(qemu), // null: the run picks
                Iommu = parse.GetValue(iommu),
                Kernel = parse.GetValue(kernel)?.FullName,
                Initrd = parse.GetValue(initrd)?.FullName,
                Verbose = isVerbose,
                Control = () => control.Build(parse, out _) ?? new(),
            };
            var live = new LiveScenarioExecutor(settings, host.Services.GetRequiredService<LiveRunPlanner>(), host.Services.GetRequiredService<ILoggerFactory>(), TimeProvider.System);
            // Trace cases (*.hbt in a suite) replay in seconds; the others are live runs.
            var executor = new ReplayCaseExecutor(live);
            var runner = new RegressionRunner(executor, new RegressionOptions
            {
                Retries = parse.GetValue(retries),
                Jobs = parse.GetValue(jobs),
                OutputDirectory = outDir,
                Shard = selected,
                FailFast = parse.GetValue(failFast),
            }, new ConsoleProgress(), TimeProvider.System);
            return report.Finish(parse, await runner.RunAsync(loaded, ct), outDir, loaded);
        });
        return command;
    }
}
