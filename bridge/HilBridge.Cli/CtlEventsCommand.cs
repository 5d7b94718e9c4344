using System.CommandLine;
using Grpc.Core;
using Proto = HilBridge.Control.V1;

namespace HilBridge.Cli;

/// <summary>`hilbridge ctl events`: follow the engine's effects live, filtered; optionally wait for N of them.</summary>
internal static class CtlEventsCommand
{
    private static readonly Dictionary<string, Proto.EventKind[]> Kinds = new(StringComparer.OrdinalIgnoreCase)
    {
        ["ack"] = [Proto.EventKind.Ack],
        ["timeout"] = [Proto.EventKind.InvalidationTimedOut],
        ["invalidations"] = [Proto.EventKind.Ack, Proto.EventKind.InvalidationTimedOut],
        ["fenced"] = [Proto.EventKind.Fenced],
        ["unfenced"] = [Proto.EventKind.Unfenced],
        ["fences"] = [Proto.EventKind.Fenced, Proto.EventKind.Unfenced],
        ["violation"] = [Proto.EventKind.Violation],
        ["straggler"] = [Proto.EventKind.Straggler],
        ["guest"] = [Proto.EventKind.GuestCorruption],
        ["witnesses"] = [Proto.EventKind.Violation, Proto.EventKind.GuestCorruption],
    };

    /// <summary>The longest --for: CancelAfter takes at most 2^32-2 ms (~49 days); a day is plenty for a run.</summary>
    private const double MaxSeconds = 86400;

    public static Command Create()
    {
        var kinds = new Option<string[]>("--kind")
        {
            Description = "Only these (repeat or comma-separate): " + string.Join(", ", Kinds.Keys) + " (default: all)",
            AllowMultipleArgumentsPerToken = true,
        };
        var refused = new Option<bool>("--only-refused-acks") { Description = "Of the acknowledgements, only refused ones (status != 0)" };
        var count = new Option<int?>("--count") { Description = "Stop after this many events (>= 1); exit 4 if the stream ends or --for passes first" };
        var duration = new Option<double?>("--for") { Description = "Stop after this many seconds (> 0)" };
        var command = new Command("events", "Follow engine effects (acknowledgements, timeouts, fences, violations, stragglers) and the guest's corruption findings until the run ends")
        {
            kinds, refused, count, duration,
        };
        command.SetAction((parse, ct) =>
        {
            if (parse.GetValue(duration) is { } s && !(s > 0 && s <= MaxSeconds))
            {
                throw new UsageException($"--for {s}: give seconds in (0, {MaxSeconds}]");
            }

            if (parse.GetValue(count) is < 1)
            {
                throw new UsageException($"--count {parse.GetValue(count)}: give at least 1");
            }

            var request = new Proto.StreamEventsRequest { Device = parse.GetValue(CtlCommand.Device), OnlyRefusedAcks = parse.GetValue(refused) };
            foreach (var name in (parse.GetValue(kinds) ?? []).SelectMany(k => k.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
            {
                if (!Kinds.TryGetValue(name, out var mapped))
                {
                    throw new UsageException($"unknown --kind '{name}' (known: {string.Join(", ", Kinds.Keys)})");
                }
                request.Kinds.AddRange(mapped.Except(request.Kinds));
            }
            return CtlCommand.RunAsync(parse, client => FollowAsync(client, request, parse.GetValue(count), parse.GetValue(duration), parse.GetValue(CtlCommand.Json), ct));
        });
        return command;
    }

    private static async Task<int> FollowAsync(Proto.Control.ControlClient client, Proto.StreamEventsRequest request, int? count, double? seconds, bool json, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (seconds is { } s)
        {
            limit.CancelAfter(TimeSpan.FromSeconds(s));
        }

        using var call = client.StreamEvents(request, cancellationToken: limit.Token);
        var seen = 0;
        try
        {
            await foreach (var e in call.ResponseStream.ReadAllAsync(limit.Token))
            {
                Console.WriteLine(json ? CtlOutput.Json(e, indented: false) : CtlOutput.Event(e));
                if (e.Kind != Proto.EventKind.EventsDropped && ++seen == count)
                {
                    return 0;
                }
            }
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled && !ct.IsCancellationRequested)
        {
            // --for elapsed
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
        }
        if (count is { } wanted && seen < wanted)
        {
            throw new CliException(ExitCode.Incomplete, $"{seen} of {wanted} events before the {(limit.IsCancellationRequested ? "time limit" : "run ended")}");
        }
        return 0;
    }
}
