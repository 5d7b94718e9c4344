using System.CommandLine;
using HilBridge.Bench.Bridge;

namespace HilBridge.Bench.Commands;

/// <summary>`bridge`: the bridge alone in this process, driven by the benchmark over stdin (see BridgeServer).</summary>
internal static class BridgeCommand
{
    public static Command Create()
    {
        var socket = new Option<string>("--socket") { Description = "vhost-user socket path", Required = true };
        var disk = new Option<string>("--disk") { Description = "Disk image (created sparse if missing)", Required = true };
        var size = new Option<int>("--disk-size") { Description = "Size in MiB of a new disk image", DefaultValueFactory = _ => 64 };
        var types = new Option<bool>("--alloc-types") { Description = "Sample allocations by type (GCAllocationTick) for the `types` command" };
        var command = new Command("bridge", "Serve the bridge on a socket; stdin: mark | stats | types; EOF stops") { socket, disk, size, types };
        command.SetAction(parse => BridgeServer.Run(parse.GetValue(socket)!, parse.GetValue(disk)!, parse.GetValue(size), parse.GetValue(types),
            Console.In, Console.Out));
        return command;
    }
}
