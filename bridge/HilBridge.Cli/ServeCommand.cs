using System.CommandLine;
using System.Globalization;
using HilBridge.Control.Hosting;
using HilBridge.Live.Hosting;
using HilBridge.Live.Qemu;
using HilBridge.Scenarios;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace HilBridge.Cli;

/// <summary>`hilbridge serve`: the bridge alone, for users who launch QEMU themselves.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var socket = new Option<string>("--socket") { Description = "vhost-user socket path (created 0600)", Required = true };
        var disk = new Option<string>("--disk") { Description = "Disk image (created sparse if missing)", DefaultValueFactory = _ => "disk.img" };
        var sizeMiB = new Option<int>("--disk-size") { Description = "Size in MiB of a new disk image", DefaultValueFactory = _ => 64 };
        var trustUnsealed = new Option<bool>("--trust-unsealed-memory")
        {
            Description = "Accept guest memory that can shrink (memory-backend-file on hugetlbfs or /dev/shm); a front-end that truncates it kills the bridge",
        };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Log debug messages to stderr" };
        var iommu = IommuOption.Create("The IOMMU of the QEMU command line printed: smmuv3 (default) or vtd");
        var command = new Command("serve", "Serve the vhost-user-blk device on a UNIX socket and print the QEMU arguments that attach to it; "
            + "the gRPC control plane listens on <socket>.control.sock unless told otherwise")
        {
            socket, disk, sizeMiB, trustUnsealed, iommu, verbose,
        };
        var control = new CtlHostingOptions();
        control.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var controlOptions = control.Build(parse, out var controlError);
            if (controlError is not null)
            {
                return CliHost.Usage("serve", controlError);
            }

            var flags = new ConfigurationFlags(parse)
                .Map(socket, "Serve:Socket")
                .Map(disk, "Serve:Bridge:DiskImage")
                .Map(sizeMiB, "Serve:Bridge:DiskSizeBytes", mib => ((long)mib << 20).ToString(CultureInfo.InvariantCulture))
                .Map(trustUnsealed, "Serve:Bridge:TrustUnsealedMemory");
            var builder = CliHost.CreateBuilder(parse.GetValue(verbose), flags);
            builder.Services.AddHilBridge(builder.Configuration);
            if (controlOptions is not null)
            {
                builder.Services.AddHilBridgeControlPlane(o => { o.Endpoint = controlOptions.Endpoint; o.DeviceName = controlOptions.DeviceName; });
            }

            using var host = builder.Build();
            if (CliHost.Validate(host, "serve") is { } usage)
            {
                return usage;
            }

            var options = host.Services.GetRequiredService<IOptions<ServeOptions>>().Value;
            var qemu = new QemuOptions { Iommu = parse.GetValue(iommu) ?? IommuKind.SmmuV3, Kernel = "YOUR_KERNEL", Initrd = "YOUR_INITRD" };
            var args = QemuCommandLine.Build(qemu, new QemuEndpoints(options.Socket, Path.ChangeExtension(options.Socket, ".qmp"), null));
            Console.WriteLine("Serving " + options.Socket + ". Attach QEMU with:");
            Console.WriteLine(QemuCommandLine.Render(qemu.Binary ?? qemu.Profile.DefaultBinary, args));
            await host.StartAsync(ct);
            if (host.Services.GetService<ControlPlaneHostedService>()?.Address is { } address)
            {
                Console.WriteLine("Control plane (hilbridge ctl --socket/--address): " + address);
            }

            await host.WaitForShutdownAsync(ct);
            return 0;
        });
        return command;
    }
}
