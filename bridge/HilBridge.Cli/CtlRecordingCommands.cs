using System.CommandLine;
using Proto = HilBridge.Control.V1;

namespace HilBridge.Cli;

/// <summary>`hilbridge ctl record-start` and `ctl record-stop`: a trace of the engine's inputs and effects.</summary>
internal static class CtlRecordingCommands
{
    public static Command Start()
    {
        var path = new Option<string?>("--path") { Description = "Trace file, relative to the run's output folder (default segment-<time>.hbt there)" };
        var command = new Command("record-start", "Start a trace segment: the engine's inputs and effects from now on (the run's whole trace is written anyway)") { path };
        command.SetAction((parse, ct) => CtlCommand.RunAsync(parse, async client =>
        {
            var response = await client.StartRecordingAsync(new Proto.StartRecordingRequest { Path = parse.GetValue(path) ?? "" }, cancellationToken: ct);
            Console.Write(parse.GetValue(CtlCommand.Json) ? CtlOutput.Json(response) + "\n" : CtlOutput.Recording(response));
            return 0;
        }));
        return command;
    }

    public static Command Stop()
    {
        var command = new Command("record-stop", "Stop the trace segment and close its file");
        command.SetAction((parse, ct) => CtlCommand.RunAsync(parse, async client =>
        {
            var response = await client.StopRecordingAsync(new Proto.StopRecordingRequest(), cancellationToken: ct);
            Console.Write(parse.GetValue(CtlCommand.Json) ? CtlOutput.Json(response) + "\n" : CtlOutput.Recording(response));
            return 0;
        }));
        return command;
    }
}
