using System.CommandLine;
using HilBridge.Control.Hosting;
using HilBridge.Control.Server;
using HilBridge.Host.Device;
using HilBridge.Host.Hosting;
using HilBridge.Host.Qemu;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace HilBridge.Cli;

/// <summary>`hilbridge serve`: the bridge alone, for users who launch QEMU themselves.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var socket = new Option<string>("--socket") { Description = "vhost-user socket path (created 0600)", Required = true };
        var disk = new Option<string>("--disk") { Description = "Disk image (created sparse if missing)", DefaultValueFactory = _ => "disk.img" };
        var sizeMiB = new Option<int>("--disk-size") { Description = "Size in MiB of a new disk image", DefaultValueFactory = _ => 64 };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Log debug messages to stderr" };
        var command = new Command("serve", "Serve the vhost-user-blk device on a UNIX socket and print the QEMU arguments that attach to it; "
            + "the gRPC control plane listens on <socket>.control.sock unless told otherwise")
        {
            socket, disk, sizeMiB, verbose,
        };
        var control = new CtlHostingOptions();
        control.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var socketPath = Path.GetFullPath(parse.GetValue(socket)!);
            var controlOptions = control.Build(parse, out var controlError);
            if (controlError is not null)
            {
                Console.Error.WriteLine($"hilbridge serve: {controlError}");
                return 2;
            }
            var options = new BridgeOptions { DiskImage = Path.GetFullPath(parse.GetValue(disk)!), DiskSizeBytes = (long)parse.GetValue(sizeMiB) << 20 };
            var qemu = new QemuOptions { Kernel = "YOUR_KERNEL", Initrd = "YOUR_INITRD" };
            var args = QemuCommandLine.Build(qemu, new QemuEndpoints(socketPath, Path.ChangeExtension(socketPath, ".qmp"), null));
            Console.WriteLine("Serving " + socketPath + ". Attach QEMU with:");
            Console.WriteLine(QemuCommandLine.Render(qemu.Binary, args));
            var builder = CliHost.CreateBuilder(parse.GetValue(verbose));
            builder.Services.AddHilBridge(options, socketPath);
            if (controlOptions is not null)
            {
                var endpoint = controlOptions.Endpoint ?? new ControlEndpoint.UnixSocket(Path.ChangeExtension(socketPath, null) + ".control.sock");
                builder.Services.AddHilBridgeControlPlane(endpoint, controlOptions.DeviceName);
            }
            using var host = builder.Build();
            await host.StartAsync(ct);
            if (host.Services.GetService<ControlPlaneHostedService>()?.Address is { } address)
                Console.WriteLine("Control plane (hilbridge ctl --socket/--address): " + address);
            await host.WaitForShutdownAsync(ct);
            return 0;
        });
        return command;
    }
}
