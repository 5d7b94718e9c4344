using System.Diagnostics;
using System.Threading.Channels;
using Grpc.Core;
using Grpc.Net.Client;
using HilBridge.Control.Client;
using HilBridge.Control.Mapping;
using HilBridge.Live.Guest;
using HilBridge.Live.Run;
using HilBridge.Scenarios;
using Microsoft.Extensions.Logging;
using Proto = HilBridge.Control.V1;

namespace HilBridge.Control.Live;

/// <summary>
/// Carries out a scenario's `control:` actions when the guest reports their trigger, as a remote lab
/// controller would: through a gRPC client on the run's control socket, never by calling the bridge.
/// An action that fails, or never gets to run, aborts the run with a reason naming it.
/// </summary>
internal sealed partial class ControlActionRunner : IAsyncDisposable
{
    private static readonly TimeSpan CallDeadline = TimeSpan.FromSeconds(10);

    private readonly LiveRunContext _context;
    private readonly ILogger _logger;
    private readonly GrpcChannel _channel;
    private readonly Proto.Control.ControlClient _client;
    private readonly Channel<ControlAction> _due = Channel.CreateUnbounded<ControlAction>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<string, int> _reportsSeen = new(StringComparer.Ordinal);
    private readonly List<ControlAction> _waiting;
    private readonly HashSet<ControlAction> _done = new(ReferenceEqualityComparer.Instance);
    private readonly CancellationTokenSource _stop = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly StreamWriter _log;
    private readonly Task _worker;

    public ControlActionRunner(LiveRunContext context, string controlAddress, string? token, ILogger logger)
    {
        _context = context;
        _logger = logger;
        _waiting = [.. context.Scenario.Control];
        _channel = ControlChannel.Create(controlAddress, token);
        _client = new Proto.Control.ControlClient(_channel);
        _log = new StreamWriter(Path.Combine(context.OutputDirectory, "control-actions.log")) { AutoFlush = true };
        context.GuestReported += OnGuestReport;
        _worker = Task.Run(WorkAsync);
    }

    /// <summary>On the console reader's thread: match triggers, hand due actions to the worker, return.</summary>
    private void OnGuestReport(GuestReport report)
    {
        lock (_waiting)
        {
            var seen = _reportsSeen[report.Kind] = _reportsSeen.GetValueOrDefault(report.Kind) + 1;
            foreach (var action in _waiting.Where(a => a.When.Report == report.Kind && a.When.Occurrence == seen).ToList())
            {
                _waiting.Remove(action);
                _due.Writer.TryWrite(action);
            }
        }
    }

    private async Task WorkAsync()
    {
        try
        {
            await foreach (var action in _due.Reader.ReadAllAsync(_stop.Token))
            {
                if (action.Delay > TimeSpan.Zero)
                {
                    await Task.Delay(action.Delay, _stop.Token);
                }

                await ExecuteAsync(action);
            }
        }
        catch (Exception ex) when ((ex is OperationCanceledException or RpcException) && _stop.IsCancellationRequested)
        {
            // The run ended while an action waited or was under way; DisposeAsync reports it.
        }
    }

    private async Task ExecuteAsync(ControlAction action)
    {
        var deadline = DateTime.UtcNow + CallDeadline;
        try
        {
            string result;
            switch (action.Kind)
            {
                case ControlActionKind.SetPolicy:
                    var set = await _client.SetPolicyAsync(new Proto.SetPolicyRequest { Policy = PolicyMapping.ToProto(action.Policy!) }, deadline: deadline, cancellationToken: _stop.Token);
                    result = $"policy set ({set.Policy.Rules.Count} rules: {string.Join(", ", set.Policy.Rules.Select(r => r.Name))})";
                    break;
                case ControlActionKind.Fence:
                    var fenced = await _client.FenceAsync(new Proto.FenceRequest { Reason = action.Reason }, deadline: deadline, cancellationToken: _stop.Token);
                    result = $"fenced ({fenced.Fence.Reason})";
                    break;
                default:
                    var unfenced = await _client.UnfenceAsync(new Proto.UnfenceRequest { Reason = action.Reason }, deadline: deadline, cancellationToken: _stop.Token);
                    result = unfenced.WasFenced ? "unfenced" : "unfence: was not fenced";
                    break;
            }
            lock (_waiting)
            {
                _done.Add(action);
            }

            Record($"control action {action.Name} (after guest {action.When}): {result}");
        }
        catch (RpcException ex) when (!_stop.IsCancellationRequested)
        {
            lock (_waiting)
            {
                _done.Add(action);
            }

            var reason = $"control action '{action.Name}' failed: {ex.StatusCode}: {ex.Status.Detail}";
            Record(reason);
            _context.Fail(reason);
        }
    }

    private void Record(string line)
    {
        lock (_log)
        {
            _log.WriteLine($"[{_clock.Elapsed.TotalSeconds,6:F1}s] {line}");
        }

        _context.Progress.Report(line);
        LogAction(line);
    }

    /// <summary>Stops matching, lets a running call finish (briefly), and fails the run for every action that never ran.</summary>
    public async ValueTask DisposeAsync()
    {
        _context.GuestReported -= OnGuestReport;
        _due.Writer.TryComplete();
        await Task.WhenAny(_worker, Task.Delay(CallDeadline)); // let a call under way finish
        _stop.Cancel();
        await _worker;
        lock (_waiting)
        {
            foreach (var action in _context.Scenario.Control.Where(a => !_done.Contains(a)))
            {
                var reason = _waiting.Contains(action)
                    ? $"control action '{action.Name}' never ran: the guest never reported '{action.When}'"
                    : $"control action '{action.Name}' did not complete before the run ended";
                Record(reason);
                _context.Fail(reason);
            }
        }
        _channel.Dispose();
        _stop.Dispose();
        await _log.DisposeAsync();
    }

    [LoggerMessage(EventId = 520, Level = LogLevel.Information, Message = "{Line}")]
    private partial void LogAction(string line);
}
