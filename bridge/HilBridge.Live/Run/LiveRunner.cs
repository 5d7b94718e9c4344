using HilBridge.Scenarios.Json;
using System.Diagnostics;
using System.Text.Json;
using HilBridge.Live.AtsPort;
using HilBridge.Live.Device;
using HilBridge.Live.Guest;
using HilBridge.Live.Hosting;
using HilBridge.Live.Qemu;
using HilBridge.Scenarios;
using HilBridge.Scenarios.Report;
using HilBridge.Traces.Format;
using HilBridge.Traces.Recording;
using Microsoft.Extensions.Logging;

namespace HilBridge.Live.Run;

/// <summary>
/// The main job: bridge up, QEMU launched against it, the guest workload watched on the serial
/// console until it reports, then a summary. Never throws for guest or QEMU misbehaviour: that is
/// an aborted or failed run with a reason. Reads its <see cref="LiveRunPlan"/>; changes no options.
/// </summary>
public sealed class LiveRunner(LiveRunPlanner planner, ILoggerFactory hostLoggers, TimeProvider time, IProgress<string> progress)
{
    private ILogger _logger = hostLoggers.CreateLogger<LiveRunner>();
    private AtsPortEndpoint? _atsPort;

    /// <summary>Plans the run the options ask for (<see cref="LiveRunPlanner"/>), then runs it.</summary>
    public async Task<RunSummary> RunAsync(LiveRunOptions options, CancellationToken ct)
    {
        Directory.CreateDirectory(options.OutputDirectory);
        var plan = await planner.BuildAsync(options, progress, ct);
        return await RunAsync(plan, ct);
    }

    public async Task<RunSummary> RunAsync(LiveRunPlan plan, CancellationToken ct)
    {
        Directory.CreateDirectory(plan.OutputDirectory);
        var scenario = plan.Scenario;
        var guest = plan.Guest;

        var runtimeDir = RepositoryLayout.CreatePrivateRuntimeDirectory(plan.RuntimeRoot);
        var endpoints = new QemuEndpoints(
            Path.Combine(runtimeDir, "vhost.sock"), Path.Combine(runtimeDir, "qmp.sock"),
            plan.TapSmmuTrace ? Path.Combine(runtimeDir, "iommu-trace.fifo") : null,
            scenario.GuestVisibleAts ? Path.Combine(runtimeDir, "ats-port.sock") : null);
        var commands = new IommuCommandStream(plan.Qemu.Profile);
        var outcome = new GuestOutcome();
        var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var consoleLog = new ConsoleLog(Path.Combine(plan.OutputDirectory, "console.log"));
        // Everything logged during the run also goes to OUT/bridge.log, whatever the console shows.
        using var runLog = RunLog.Create(hostLoggers, Path.Combine(plan.OutputDirectory, RunFolder.BridgeLog));
        var loggers = runLog.Factory;
        _logger = loggers.CreateLogger<LiveRunner>();
        var wall = Stopwatch.StartNew();
        string? qemuCommandLine = null;

        using var bridge = new VhostBlkBridge(plan.Bridge, loggers, time);
        var timeline = new TimelineRecorder(bridge.EngineStart, time);

        // Trace recording (issue 4): every engine input and decision, the SMMU stream and the guest's reports.
        using var recorder = plan.TracePath is { } record ? TraceRecorder.Create(record, TraceHeaders.Create(
            scenario.Name, scenario.Description, scenario.Engine, bridge.EngineStart, guest.Versions, scenario.Expectations.Select(e => (e.Metric, e.Operator, e.Value))), time) : null;
        bridge.Invalidations.AckMeasured = (id, latency) =>
        {
            timeline.OnAckMeasured(id, latency);
            recorder?.RecordAckMeasured(id, latency);
        };
        var context = new LiveRunContext(bridge, scenario, runtimeDir, plan.OutputDirectory, progress, loggers) { TracePath = recorder?.Path, GuestVersions = guest.Versions };
        // The tap lets the control plane attach a trace segment mid-run (the observer is fixed at start).
        bridge.Observer = recorder is null ? new TeeObserver(timeline, context.EngineTap) : new TeeObserver(recorder, timeline, context.EngineTap);
        // A fresh attach rewrites the device's context (CFGI_STE, VT-d context-cache invalidation): the last step of a recovery.
        commands.ContextInvalidated += bridge.OnDeviceContextInvalidated;
        bridge.Start(endpoints.VhostSocket);
        await using var atsPort = _atsPort = endpoints.AtsPortSocket is { } atsSocket ? AtsPortEndpoint.Start(bridge, atsSocket, time, loggers) : null;
        using var tap = endpoints.TraceFile is { } fifo ? new TraceFileTap(fifo, line =>
        {
            if (commands.Apply(line) is { } e)
            {
                recorder?.RecordSmmu(e.Name, e.Message);
            }
        }, _logger) : null;
        context.GuestReported += r => recorder?.RecordGuest(r.Kind, r.Fields, r.ReceivedAfterLaunch);
        context.GuestReported += r => timeline.OnGuest(r.Describe());
        await using var extensions = await LiveRunExtensions.StartAsync(plan.Extensions, context, _logger, ct);
        if (context.Failure is { } notStarted)
        {
            return await FinishAsync(plan, Summarize(RunOutcome.Aborted, notStarted, outcome, bridge, commands, guest, wall), timeline, null, ct);
        }

        var args = QemuCommandLine.Build(plan.Qemu, endpoints);
        qemuCommandLine = QemuCommandLine.Render(plan.QemuBinary, args);
        _logger.LogInformation("launching {Command}", qemuCommandLine);
        progress.Report($"booting guest ({guest.Describe()})");
        QemuProcess qemu;
        try
        {
            qemu = QemuProcess.Start(plan.QemuBinary, args,
                line => OnConsoleLine(line, consoleLog, outcome, finished, wall.Elapsed, context),
                line => { consoleLog.WriteLine("[qemu] " + line); _logger.LogWarning("qemu: {Line}", line); });
        }
        catch (QemuLaunchException ex)
        {
            return await FinishAsync(plan, Summarize(RunOutcome.Aborted, ex.Message, outcome, bridge, commands, guest, wall), timeline, qemuCommandLine, ct);
        }
        using var _ = qemu;
        var streamIdTask = LearnStreamIdAsync(endpoints.QmpSocket, bridge, ct);

        string? reason = null;
        using (var heartbeat = StartHeartbeat(outcome, wall, bridge))
        {
            var exited = qemu.WaitForExitAsync(ct);
            var limit = Task.Delay(scenario.Timeout, time, ct);
            var first = await Task.WhenAny(finished.Task, exited, limit);
            if (first == limit)
            {
                reason = $"guest did not finish within {scenario.Timeout.TotalSeconds:F0} s";
            }
            else if (first == exited && !outcome.Done)
            {
                // QEMU may exit before its last console lines were delivered: read the pipe to its end (bounded,
                // in case a child of QEMU still holds it). A fixed 500 ms lost the result line under load.
                await Task.WhenAny(finished.Task, qemu.ConsoleDrained, Task.Delay(TimeSpan.FromSeconds(10), ct));
                if (!outcome.Done)
                {
                    reason = $"{QemuExit.Describe(qemu.ExitCode)} before the guest reported";
                }
            }
            // Give QEMU a moment to power off by itself (the guest runs poweroff -f), then make sure.
            await Task.WhenAny(exited, Task.Delay(TimeSpan.FromSeconds(5), ct));
            qemu.Kill();
        }
        await Task.WhenAny(streamIdTask, Task.Delay(1000, ct));
        await extensions.DisposeAsync();
        reason ??= context.Failure;

        var summary = Summarize(reason is null ? RunOutcome.Completed : RunOutcome.Aborted, reason, outcome, bridge, commands, guest, wall);
        summary = Judge.Run(summary, scenario);
        recorder?.RecordRunEnd(summary.Outcome.ToText(), summary.Reason, ResultJson.Serialize(summary, indented: false), summary.StreamId);
        if (recorder?.Failure is { } recordError)
        {
            _logger.LogWarning(recordError, "trace recording to {Path} stopped early", recorder.Path);
        }

        await File.WriteAllTextAsync(Path.Combine(plan.OutputDirectory, "summary.json"),
            ResultJson.Serialize(summary), ct);
        try { Directory.Delete(runtimeDir, recursive: true); } catch (IOException) { }
        return await FinishAsync(plan, summary, timeline, qemuCommandLine, ct);
    }

    /// <summary>The folder's files for people (summary.txt, qemu-cmdline.txt, timeline.json, report.html), for every way a run ends.</summary>
    private async Task<RunSummary> FinishAsync(LiveRunPlan plan, RunSummary summary, TimelineRecorder timeline, string? qemuCommandLine, CancellationToken ct)
    {
        try
        {
            await RunFolder.WriteAsync(plan.OutputDirectory, summary, timeline.Build(), qemuCommandLine, ct);
        }
        catch (IOException ex)
        {
            _logger.LogWarning(ex, "could not write the run's report files in {Directory}", plan.OutputDirectory);
        }

        return summary;
    }

    private void OnConsoleLine(string line, ConsoleLog log, GuestOutcome outcome, TaskCompletionSource finished, TimeSpan at, LiveRunContext context)
    {
        log.WriteLine(line);
        if (!GuestConsoleParser.TryParse(line, at, out var report))
        {
            lock (outcome)
            {
                outcome.ObserveKernelLine(line); // the guest kernel's own IOMMU timeout messages
            }

            return;
        }
        lock (outcome)
        {
            outcome.Apply(report);
        }

        context.OnGuestReport(report);
        progress.Report($"guest: {line[line.IndexOf("HB: ", StringComparison.Ordinal)..]}");
        if (outcome.Done)
        {
            finished.TrySetResult();
        }
    }

    /// <summary>
    /// The device's requester ID (SMMUv3 StreamID, VT-d source-id: the same bus/devfn) is only known once the
    /// guest numbered the root port's bus; poll QMP until then.
    /// </summary>
    private async Task LearnStreamIdAsync(string qmpSocket, VhostBlkBridge bridge, CancellationToken ct)
    {
        for (var attempt = 0; attempt < 600 && !ct.IsCancellationRequested; attempt++)
        {
            await Task.Delay(500, ct).ConfigureAwait(false);
            if (bridge.Statistics().DeviceStarts == 0)
            {
                continue;
            }

            try
            {
                await using var qmp = await QmpClient.ConnectAsync(qmpSocket, ct);
                if (PciTopology.FindStreamId(await qmp.ExecuteAsync("query-pci", ct), "hbdev") is { } sid)
                {
                    bridge.SetStreamId(sid);
                    return;
                }
            }
            catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or QmpException or JsonException)
            {
                _logger.LogDebug(ex, "QMP not ready");
            }
        }
    }

    private IDisposable StartHeartbeat(GuestOutcome outcome, Stopwatch wall, VhostBlkBridge bridge) =>
        time.CreateTimer(_ =>
        {
            var s = bridge.Statistics();
            var phase = outcome.WorkloadStartedAfter is null ? "booting" : $"workload, {outcome.RoundsReported} rounds done";
            progress.Report($"{wall.Elapsed.TotalSeconds,5:F0} s  {phase}; {s.Requests} requests, {s.Engine.Invalidations} invalidations, {s.Engine.AtcMisses} ATC misses");
        }, null, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5));

    private RunSummary Summarize(RunOutcome verdict, string? reason, GuestOutcome outcome, VhostBlkBridge bridge, IommuCommandStream commands, GuestImage guest, Stopwatch wall) =>
        new()
        {
            Outcome = verdict,
            Reason = reason,
            DataVerified = outcome.Verified,
            Rounds = outcome.RoundsReported,
            RoundsVerified = outcome.RoundsVerified,
            GuestIoErrors = outcome.IoErrors,
            GuestRecoveries = outcome.Recoveries,
            BootSeconds = outcome.WorkloadStartedAfter?.TotalSeconds,
            GuestUptimeAtStart = outcome.GuestUptimeAtStart,
            WallSeconds = wall.Elapsed.TotalSeconds,
            StreamId = bridge.StreamId,
            Bridge = bridge.Statistics(),
            Iommu = commands.Profile.Kind.Key(),
            IommuCommands = commands.CommandCounts,
            InvalidationStall = commands.Stalls,
            ViolationDetails = bridge.Violations.Select(ViolationRecord.From).ToList(),
            AtsPort = _atsPort?.Statistics(),
            GuestAtcInvalidateTimeouts = outcome.AtcInvalidateTimeouts,
            GuestCmdSyncTimeouts = outcome.CmdSyncTimeouts,
            GuestTimeoutMessages = outcome.TimeoutMessages.ToList(),
            GuestWitnessRounds = outcome.WitnessRounds,
            GuestCorruptions = outcome.Corruptions,
            GuestFindings = GuestFinding.Match(outcome.Findings, bridge.StragglersPerformed),
            Guest = guest.Describe(),
            Kernel = guest.KernelInfo,
        };
}
