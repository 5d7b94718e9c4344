using System.CommandLine;
using HilBridge.Bench.Iotlb;

namespace HilBridge.Bench.Commands;

/// <summary>`frontend`: the C# IOTLB harness, with the C harness's flags.</summary>
internal static class FrontendCommand
{
    public static Command Create()
    {
        var socket = new Option<string>("--socket") { Required = true, Description = "Back-end socket" };
        var raw = new Option<bool>("--raw") { Description = "No handshake (the ping-pong floor)" };
        var rings = new Option<int>("--rings") { DefaultValueFactory = _ => 1, Description = "Virtqueues to set up" };
        var warmup = new Option<long>("--warmup") { DefaultValueFactory = _ => 2000 };
        var iters = new Option<int>("--iters") { DefaultValueFactory = _ => 20000 };
        var burst = new Option<int>("--burst") { DefaultValueFactory = _ => 32 };
        var bursts = new Option<int>("--bursts") { DefaultValueFactory = _ => 500 };
        var output = new Option<string?>("--out") { Description = "Prefix of the sample files" };
        var sync = new Option<bool>("--sync") { Description = "READY / wait for a stdin line / DONE around the measurement" };
        var label = new Option<string>("--label") { DefaultValueFactory = _ => "" };
        var command = new Command("frontend", "C# vhost-user front-end: IOTLB UPDATE/INVALIDATE round trips")
        {
            socket, raw, rings, warmup, iters, burst, bursts, output, sync, label,
        };
        command.SetAction(parse =>
        {
            var args = new HarnessArguments(parse.GetValue(socket)!, parse.GetValue(raw), parse.GetValue(rings), parse.GetValue(warmup),
                parse.GetValue(iters), parse.GetValue(burst), parse.GetValue(bursts), parse.GetValue(output), parse.GetValue(sync), parse.GetValue(label)!);
            return new ManagedHarness(args).Run(Console.In, Console.Out);
        });
        return command;
    }
}
