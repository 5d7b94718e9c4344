using System.Text.Json;
using HilBridge.Scenarios;
using HilBridge.Scenarios.Report;

namespace HilBridge.Live.Run;

/// <summary>
/// The files of a run folder meant for people, written beside trace.hbt and summary.json so the folder can be
/// handed to a colleague: what was printed, how QEMU was started, what happened when (JSON and a page).
/// </summary>
public static class RunFolder
{
    public const string SummaryText = "summary.txt";
    public const string QemuCommandLine = "qemu-cmdline.txt";
    public const string Timeline = "timeline.json";
    public const string Report = "report.html";
    public const string BridgeLog = "bridge.log";

    /// <param name="qemuCommandLine">Shell-quoted; null when QEMU was never launched (no file then).</param>
    public static async Task WriteAsync(string directory, RunSummary summary, RunTimeline timeline, string? qemuCommandLine, CancellationToken ct)
    {
        await File.WriteAllTextAsync(Path.Combine(directory, SummaryText), summary.Render(), ct);
        if (qemuCommandLine is not null)
        {
            await File.WriteAllTextAsync(Path.Combine(directory, QemuCommandLine), qemuCommandLine + "\n", ct);
        }

        await using (var json = File.Create(Path.Combine(directory, Timeline)))
        {
            await JsonSerializer.SerializeAsync(json, timeline, RunReportHtml.TimelineJson, ct);
        }

        await File.WriteAllTextAsync(Path.Combine(directory, Report), RunReportHtml.Render(summary, timeline, qemuCommandLine), ct);
    }
}
