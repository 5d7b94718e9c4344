using HilBridge.Control.Server;
using System.CommandLine;
using Grpc.Core;
using HilBridge.Control.Client;
using HilBridge.Live.Hosting;
using Microsoft.Extensions.Configuration;
using Proto = HilBridge.Control.V1;

namespace HilBridge.Cli;

/// <summary>
/// `hilbridge ctl`: a client for every call of the gRPC control plane (protos/control.proto), with
/// readable output, or protobuf JSON (one object per line for events) with --json.
/// </summary>
internal static class CtlCommand
{
    public const string TargetVariable = HilBridgeConfiguration.EnvironmentPrefix + TargetKey;

    /// <summary>The configuration key of the default target ($HILBRIDGE_CONTROL).</summary>
    private const string TargetKey = "CONTROL";

    internal static readonly Option<string?> Socket = new("--socket")
    {
        Description = "The control socket: a run's <out>/control.sock (default: $" + TargetVariable + ", else ./control.sock)",
        Recursive = true,
    };

    internal static readonly Option<string?> Address = new("--address")
    {
        Description = "A TCP control server instead, as http://HOST:PORT (a run with --control-tcp writes it to <out>/control.address)",
        Recursive = true,
    };

    internal static readonly Option<string?> TokenFile = new("--token-file")
    {
        Description = "With --address: the file holding the server's token (a run's <out>/control.token; serve: <socket>.control.token)",
        Recursive = true,
    };

    internal static readonly Option<bool> Json = new("--json")
    {
        Description = "JSON for scripts, the tool's result shape (README \"Results as JSON\"; events: one object per line)",
        Recursive = true,
    };

    internal static readonly Option<string> Device = new("--device")
    {
        Description = "Device name (default: the only one)",
        DefaultValueFactory = _ => "",
        Recursive = true,
    };

    public static Command Create()
    {
        var command = new Command("ctl", "Drive a running bridge over its gRPC control plane: status, fault policy, fencing, events, recording")
        {
            Socket, Address, TokenFile, Json, Device,
        };
        command.Subcommands.Add(Simple("status", "The run, the device (StreamID, fence state, ATC) and recording",
            (c, _, ct) => c.GetStatusAsync(new Proto.GetStatusRequest(), cancellationToken: ct).ResponseAsync, CtlOutput.Status));
        command.Subcommands.Add(Simple("devices", "The devices: StreamID, fence state, ATC occupancy",
            (c, _, ct) => c.ListDevicesAsync(new Proto.ListDevicesRequest(), cancellationToken: ct).ResponseAsync, CtlOutput.Devices));
        command.Subcommands.Add(Simple("counters", "The device's counters, as in the run summary",
            (c, p, ct) => c.GetCountersAsync(new Proto.GetCountersRequest { Device = p.GetValue(Device) }, cancellationToken: ct).ResponseAsync, CtlOutput.Counters));
        command.Subcommands.Add(Simple("policy", "The fault policy in force",
            (c, p, ct) => c.GetPolicyAsync(new Proto.GetPolicyRequest { Device = p.GetValue(Device) }, cancellationToken: ct).ResponseAsync, CtlOutput.Policy));
        command.Subcommands.Add(CtlPolicyCommand.Create());
        command.Subcommands.Add(CtlFenceCommands.Fence());
        command.Subcommands.Add(CtlFenceCommands.Unfence());
        command.Subcommands.Add(CtlEventsCommand.Create());
        command.Subcommands.Add(CtlRecordingCommands.Start());
        command.Subcommands.Add(CtlRecordingCommands.Stop());
        return command;
    }

    /// <summary>A unary call: request, then the response as text or JSON.</summary>
    internal static Command Simple<T>(string name, string description,
        Func<Proto.Control.ControlClient, ParseResult, CancellationToken, Task<T>> call, Func<T, string> render)
        where T : Google.Protobuf.IMessage
    {
        var command = new Command(name, description);
        command.SetAction((parse, ct) => RunAsync(parse, async client =>
        {
            var response = await call(client, parse, ct);
            Console.Write(parse.GetValue(Json) ? CtlOutput.Json(response) + "\n" : render(response));
            return 0;
        }));
        return command;
    }

    /// <summary>Connects, runs the call, and turns gRPC failures into one line and an exit code (1 refused, 3 unreachable).</summary>
    internal static async Task<int> RunAsync(ParseResult parse, Func<Proto.Control.ControlClient, Task<int>> body)
    {
        var target = Target(parse);
        if (!target.Contains("://", StringComparison.Ordinal) && !File.Exists(target))
        {
            // File.Exists follows the output folder's symlink: false also once the run ended and removed it.
            throw new EnvironmentException($"no control socket at {target}: the run has not started its control server yet, or has ended");
        }
        string? token = null;
        if (parse.GetValue(TokenFile) is { } tokenFile)
        {
            try
            {
                token = ControlToken.Read(tokenFile);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new UsageException($"--token-file {tokenFile}: {e.Message}", e);
            }
        }

        using var channel = ControlChannel.Create(target, token);
        try
        {
            return await body(new Proto.Control.ControlClient(channel));
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable && SpokeSomethingElse(ex))
        {
            throw new EnvironmentException($"{target} is not a HilBridge control server (it does not speak gRPC; the vhost-user socket?); "
                + "the control socket is <run output>/control.sock, or <socket>.control.sock for serve", ex);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable)
        {
            throw new EnvironmentException($"no control server at {target} ({Innermost(ex)}); is the run still going?", ex);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Unauthenticated)
        {
            throw new CliException(ExitCode.Failed, $"{target} refused the call: {(token is null ? "no token given" : "wrong token")}; give --token-file <run output>/control.token (serve: <socket>.control.token)", ex);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled)
        {
            return (int)ExitCode.Interrupted;
        }
        catch (RpcException ex)
        {
            throw new CliException(ExitCode.Failed, $"{ex.StatusCode}: {ex.Status.Detail}", ex);
        }
    }

    /// <summary>Something listens there but answered the HTTP/2 preface with something else (or hung up): not a gRPC server.</summary>
    private static bool SpokeSomethingElse(RpcException ex)
    {
        for (var e = ex.Status.DebugException; e is not null; e = e.InnerException)
        {
            if (e is HttpIOException { HttpRequestError: HttpRequestError.InvalidResponse or HttpRequestError.ResponseEnded })
            {
                return true;
            }
        }

        return false;
    }

    private static string Innermost(RpcException ex)
    {
        var e = ex.Status.DebugException;
        while (e?.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e?.Message ?? ex.Status.Detail;
    }

    private static string Target(ParseResult parse)
    {
        var socket = parse.GetValue(Socket);
        var address = parse.GetValue(Address);
        if (socket is not null && address is not null)
        {
            throw new UsageException("--socket and --address exclude each other");
        }
        if (address is not null)
        {
            if (Uri.TryCreate(address, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
            {
                return address;
            }

            throw new UsageException($"--address: '{address}' is not http://HOST:PORT");
        }
        if (socket is not null)
        {
            return socket;
        }

        if (new ConfigurationBuilder().AddHilBridgeSources().Build()[TargetKey] is { Length: > 0 } fromEnv)
        {
            return fromEnv;
        }

        if (File.Exists("control.sock"))
        {
            return "control.sock";
        }

        throw new UsageException("where is the bridge? Give --socket <run output>/control.sock (printed by the run), --address, or set $" + TargetVariable);
    }
}
