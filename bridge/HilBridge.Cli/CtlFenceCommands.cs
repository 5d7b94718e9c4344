using System.CommandLine;
using Proto = HilBridge.Control.V1;

namespace HilBridge.Cli;

/// <summary>`hilbridge ctl fence` and `ctl unfence`: manual fencing, without waiting for a timeout or a recovery.</summary>
internal static class CtlFenceCommands
{
    public static Command Fence()
    {
        var reason = new Option<string>("--reason") { Description = "Why (logged, shown in the fence state)", DefaultValueFactory = _ => "manual (hilbridge ctl)" };
        var command = new Command("fence", "Fence the device now: block its translated requests (or everything, with fence mode abort)") { reason };
        command.SetAction((parse, ct) => CtlCommand.RunAsync(parse, async client =>
        {
            var response = await client.FenceAsync(new Proto.FenceRequest { Device = parse.GetValue(CtlCommand.Device), Reason = parse.GetValue(reason) }, cancellationToken: ct);
            Console.Write(parse.GetValue(CtlCommand.Json) ? CtlOutput.Json(response) + "\n" : CtlOutput.Fence(response, "fence"));
            return 0;
        }));
        return command;
    }

    public static Command Unfence()
    {
        var reason = new Option<string>("--reason") { Description = "Why (logged)", DefaultValueFactory = _ => "manual (hilbridge ctl)" };
        var command = new Command("unfence", "Unfence the device now, without the recovery flow (reset + fresh attach)") { reason };
        command.SetAction((parse, ct) => CtlCommand.RunAsync(parse, async client =>
        {
            var response = await client.UnfenceAsync(new Proto.UnfenceRequest { Device = parse.GetValue(CtlCommand.Device), Reason = parse.GetValue(reason) }, cancellationToken: ct);
            Console.Write(parse.GetValue(CtlCommand.Json) ? CtlOutput.Json(response) + "\n" : CtlOutput.Fence(response, "unfence"));
            return 0;
        }));
        return command;
    }
}
