using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Json;

namespace HilBridge.Scenarios.Report;

/// <summary>
/// report.html: one self-contained page a person can open anywhere (no external link, script or font):
/// the outcome, the timeline plot, the acknowledgement-latency histogram, the guest's findings, the
/// violations, the expectation table and the printed summary. The plots are drawn by report.js (embedded)
/// from the timeline's JSON, which the page carries as data; the tables are written here.
/// </summary>
public static class RunReportHtml
{
    /// <summary>How the timeline is written (timeline.json and inside the page): camelCase, numbers in microseconds.</summary>
    public static readonly JsonSerializerOptions TimelineJson = new(JsonSerializerDefaults.Web);

    private static readonly string Script = Resource("report.js");
    private static readonly string Style = Resource("report.css");

    public static string Render(RunSummary summary, RunTimeline timeline, string? qemuCommandLine = null)
    {
        var h = new StringBuilder();
        var outcome = summary.Outcome.ToText();
        h.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
        h.Append($"<title>HilBridge run: {E(summary.Scenario ?? "default")} {E(outcome)}</title>");
        h.Append("<style>").Append(Style).Append("</style></head>\n<body data-rendered=\"no\">\n");
        h.Append($"<h1>HilBridge run: {E(summary.Scenario ?? "default")} <span class=\"outcome {E(outcome)}\" id=\"outcome\">{E(outcome)}</span></h1>\n");
        h.Append("<p class=\"lede\">");
        if (summary.Reason is { } reason)
        {
            h.Append(E(reason)).Append(". ");
        }

        h.Append($"Data {(summary.DataVerified is true ? "verified" : summary.DataVerified is false ? "NOT verified" : "without a verdict")} ({summary.RoundsVerified}/{summary.Rounds} rounds); ");
        h.Append($"{summary.Bridge.Engine.Invalidations} invalidations, {summary.Bridge.Engine.Fences} fences, {summary.Bridge.Engine.Violations} violations, ");
        h.Append($"{summary.GuestCorruptions} guest findings; run {summary.WallSeconds:F1} s");
        if (summary.Kernel is { } kernel)
        {
            h.Append($"; guest kernel {E(kernel.ToString())}");
        }

        h.Append(".</p>\n");

        h.Append("<section><h2>Timeline</h2>");
        if (timeline.InvalidationsOmitted > 0)
        {
            h.Append($"<p>The first {timeline.Invalidations.Count} invalidations are drawn; {timeline.InvalidationsOmitted} later ones are counted only.</p>");
        }

        h.Append("<p>Time since the engine started. Hover a mark for its details; a dashed line joins an invalidation to its timeout, stragglers and violations.</p>");
        h.Append("<svg id=\"timeline\" role=\"img\" aria-label=\"timeline of the run\"></svg></section>\n");

        h.Append($"<section><h2>Invalidation acknowledgement latency ({(timeline.AckLatencySource == "measured" ? "measured on the host: receipt to reply" : "the engine's added delay")})</h2>");
        h.Append("<svg id=\"histogram\" role=\"img\" aria-label=\"acknowledgement latency histogram\"></svg></section>\n");

        AppendFindings(h, summary);
        AppendViolations(h, summary);
        AppendExpectations(h, summary);

        h.Append("<section><h2>Summary</h2><pre id=\"summary\">").Append(E(summary.Render())).Append("</pre>");
        if (qemuCommandLine is not null)
        {
            h.Append("<h2>QEMU command line</h2><pre id=\"qemu\">").Append(E(qemuCommandLine)).Append("</pre>");
        }

        h.Append("</section>\n");
        // JsonSerializer escapes '<', '>' and '&', so the data cannot close the script element.
        h.Append("<script id=\"hb-timeline\" type=\"application/json\">").Append(JsonSerializer.Serialize(timeline, TimelineJson)).Append("</script>\n");
        h.Append("<script>").Append(Script).Append("</script>\n</body></html>\n");
        return h.ToString();
    }

    private static void AppendFindings(StringBuilder h, RunSummary s)
    {
        h.Append("<section><h2>Guest findings</h2>");
        if (s.GuestWitnessRounds == 0)
        {
            h.Append("<p id=\"findings\">No witness: the workload did not check its data for late writes (<code>workload.witness</code>).</p></section>\n");
            return;
        }

        h.Append($"<p>The guest checked {s.GuestWitnessRounds} rounds and found {s.GuestCorruptions} changed runs of bytes.</p>");
        if (s.GuestFindings.Count == 0)
        {
            h.Append("<p id=\"findings\">None.</p></section>\n");
            return;
        }

        h.Append("<table id=\"findings\"><tr><th>round</th><th>block</th><th>offset</th><th>bytes</th><th>what the guest saw</th><th>straggler</th></tr>");
        foreach (var f in s.GuestFindings)
        {
            h.Append($"<tr class=\"finding\"><td>{f.Round}</td><td>{f.Block}</td><td>{f.Offset}</td><td>{f.Bytes}</td><td><code title=\"hex {E(f.Head)}\">{E(f.HeadText)}</code></td><td>{E(f.Straggler ?? "none matches")}</td></tr>");
        }

        h.Append("</table></section>\n");
    }

    private static void AppendViolations(StringBuilder h, RunSummary s)
    {
        if (s.ViolationDetails.Count == 0)
        {
            return;
        }

        h.Append($"<section><h2>Use-after-free violations ({s.Bridge.Engine.Violations}; the first {s.ViolationDetails.Count} kept)</h2><table id=\"violations\">");
        h.Append("<tr><th>StreamID</th><th>access</th><th>IOVA</th><th>bytes</th><th>after the ack</th><th>invalidation</th><th>source</th></tr>");
        foreach (var v in s.ViolationDetails)
        {
            h.Append($"<tr class=\"violation\"><td>{E(v.StreamId)}</td><td>{E(v.Access)}</td><td>{E(v.Iova)}</td><td>{v.Bytes}</td><td>{v.MillisecondsSinceAck:F1} ms</td><td>{v.InvalidationRequest}</td><td>{E(v.Source)}</td></tr>");
        }

        h.Append("</table></section>\n");
    }

    private static void AppendExpectations(StringBuilder h, RunSummary s)
    {
        h.Append("<section><h2>Expectations</h2>");
        if (s.Expectations.Count == 0)
        {
            h.Append("<p id=\"expectations\">The scenario expects nothing beyond verified data.</p></section>\n");
            return;
        }

        h.Append("<table id=\"expectations\"><tr><th></th><th>metric</th><th>expected</th><th>actual</th></tr>");
        foreach (var x in s.Expectations)
        {
            h.Append($"<tr class=\"{(x.Passed ? "ok" : "fail")}\"><td>{(x.Passed ? "ok" : "FAIL")}</td><td>{E(x.Metric)}{(x.Implicit ? " (implicit in every run)" : "")}</td><td>{E(x.Expected)}</td><td>{E(x.Actual)}</td></tr>");
        }

        h.Append("</table></section>\n");
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private static string Resource(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("HilBridge.Scenarios.Report." + name)
            ?? throw new InvalidOperationException($"embedded resource {name} missing from the build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
