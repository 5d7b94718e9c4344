using System.Globalization;
using System.Net;
using System.Text;
using HilBridge.Scenarios;

namespace HilBridge.Control.Regression;

/// <summary>
/// The kernel report card: the kernel x scenario matrix of a regression (`regress` writes it as
/// report-card.md and report-card.html in its output folder). Each cell is the case's verdict against
/// its expectations and the figures that tell kernels apart: use-after-free violations (the engine),
/// guest findings (the guest's witness), fences and how many the guest's own STE made (and how long after
/// the SMMU's own ATC timeout the first came: a quarantine's latency), and recoveries
/// with the last recovery time; linked to the case's last run folder. A suite without a kernel axis
/// is one row, "default".
/// </summary>
public static class KernelReportCard
{
    public const string MarkdownFile = "report-card.md";
    public const string HtmlFile = "report-card.html";

    /// <summary>One cell: the case's verdict and figures, and its run folder relative to the card.</summary>
    public sealed record Cell(string Verdict, bool Succeeded, IReadOnlyList<string> Figures, string? Link);

    /// <summary>Rows are kernels, columns scenarios, both in the order the suites first name them.</summary>
    public sealed record Matrix(IReadOnlyList<string> Kernels, IReadOnlyList<string> KernelReleases, IReadOnlyList<string> Scenarios, IReadOnlyDictionary<(string Kernel, string Scenario), Cell> Cells);

    public static Matrix Build(RegressionReport report, string cardDirectory)
    {
        var kernels = new List<string>();
        var releases = new Dictionary<string, string>();
        var scenarios = new List<string>();
        var cells = new Dictionary<(string, string), Cell>();
        foreach (var c in report.Cases)
        {
            var kernel = c.Case.Kernel?.Label ?? "default";
            var scenario = c.Case.Scenario?.Name ?? Path.GetFileNameWithoutExtension(c.Case.Path);
            if (!kernels.Contains(kernel))
            {
                kernels.Add(kernel);
            }

            if (!scenarios.Contains(scenario))
            {
                scenarios.Add(scenario);
            }

            var summary = c.Last.Summary;
            if (summary?.Kernel is { } info && !releases.ContainsKey(kernel))
            {
                releases[kernel] = info.Release;
            }

            var link = c.Last.OutputDirectory is { } o ? Path.GetRelativePath(cardDirectory, o).Replace('\\', '/') : null;
            cells[(kernel, scenario)] = new Cell(Verdict(c.Status), c.Succeeded, summary is null ? [Line(c.Message)] : Figures(summary), link);
        }
        return new Matrix(kernels, kernels.Select(k => releases.GetValueOrDefault(k, "")).ToList(), scenarios, cells);
    }

    /// <summary>The key figures of a run, each a short phrase.</summary>
    public static IReadOnlyList<string> Figures(RunSummary s)
    {
        var e = s.Bridge.Engine;
        var figures = new List<string>
        {
            Count(e.Violations, "violation"),
            s.GuestWitnessRounds > 0 ? Count(s.GuestCorruptions, "guest finding") : "no witness",
            e.Fences == 0 ? "no fence" : $"{Count(e.Fences, "fence")} ({RunSummary.FenceOrigins(e)})",
        };
        if (s.AtsPort is { FailedFlushes: > 0 } flushes)
        {
            figures.Add(flushes.FlushesCompletedUnfenced > 0
                ? $"{Count(flushes.FlushesCompletedUnfenced, "failed flush", "failed flushes")} completed unfenced"
                : $"failed flush completed {flushes.FenceLeadMin?.TotalMilliseconds.ToString("F1", CultureInfo.InvariantCulture)} ms after the fence");
        }

        if (s.AtsPort?.SteFenceAfterSmmuTimeout is { } latency)
        {
            figures.Add($"STE fence {latency.TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture)} ms after the SMMU's timeout");
        }

        if (e.StragglersIssued > 0)
        {
            figures.Add($"{e.StragglersRefused}/{e.StragglersIssued} stragglers refused");
        }

        if (s.GuestRecoveries > 0 || e.LastRecoveryTime is not null)
        {
            var time = e.LastRecoveryTime is { } t ? $", {t.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture)} s" : "";
            figures.Add($"{Count(s.GuestRecoveries, "recovery", "recoveries")}{time}");
        }

        figures.Add(s.DataVerified is true ? "data verified" : s.DataVerified is false ? "data NOT verified" : "no data verdict");
        return figures;
    }

    public static string RenderMarkdown(Matrix m)
    {
        var b = new StringBuilder();
        b.AppendLine("# Kernel report card");
        b.AppendLine();
        b.AppendLine("Each cell: the verdict against the case's expectations, then violations (the engine's use-after-free count), "
            + "guest findings (the guest's witness), fences (by whom: the guest's quarantine, its reset block, the bridge), "
            + "the flush ordering (a failed flush completed after the fence, or unfenced), stragglers refused, "
            + "recoveries (last recovery time), data. The verdict links to the run folder.");
        b.AppendLine();
        b.AppendLine("| kernel | " + string.Join(" | ", m.Scenarios.Select(Escape)) + " |");
        b.AppendLine("| --- |" + string.Concat(m.Scenarios.Select(_ => " --- |")));
        for (var i = 0; i < m.Kernels.Count; i++)
        {
            var kernel = m.Kernels[i];
            var label = $"`{kernel}`" + (m.KernelReleases[i] is { Length: > 0 } r ? $"<br>{Escape(r)}" : "");
            var row = m.Scenarios.Select(s => m.Cells.TryGetValue((kernel, s), out var c) ? MarkdownCell(c) : "-");
            b.AppendLine($"| {label} | {string.Join(" | ", row)} |");
        }
        return b.ToString();
    }

    public static string RenderHtml(Matrix m)
    {
        var b = new StringBuilder();
        b.AppendLine("<!DOCTYPE html>");
        b.AppendLine("<html><head><meta charset=\"utf-8\"><title>Kernel report card</title>");
        b.AppendLine("<style>body{font-family:sans-serif}table{border-collapse:collapse}td,th{border:1px solid #999;padding:4px 8px;vertical-align:top}"
            + ".ok{background:#e6f4e6}.bad{background:#f8e0e0}ul{margin:0;padding-left:1.2em}</style></head><body>");
        b.AppendLine("<h1>Kernel report card</h1>");
        b.AppendLine("<table><tr><th>kernel</th>" + string.Concat(m.Scenarios.Select(s => $"<th>{Html(s)}</th>")) + "</tr>");
        for (var i = 0; i < m.Kernels.Count; i++)
        {
            var kernel = m.Kernels[i];
            b.Append($"<tr><th><code>{Html(kernel)}</code>");
            if (m.KernelReleases[i] is { Length: > 0 } r)
            {
                b.Append($"<br>{Html(r)}");
            }

            b.Append("</th>");
            foreach (var s in m.Scenarios)
            {
                b.Append(m.Cells.TryGetValue((kernel, s), out var c) ? HtmlCell(c) : "<td>-</td>");
            }

            b.AppendLine("</tr>");
        }
        b.AppendLine("</table></body></html>");
        return b.ToString();
    }

    /// <summary>Writes report-card.md and report-card.html into <paramref name="directory"/>; returns their paths.</summary>
    public static (string Markdown, string Html) Write(RegressionReport report, string directory)
    {
        Directory.CreateDirectory(directory);
        var matrix = Build(report, directory);
        var md = Path.Combine(directory, MarkdownFile);
        var html = Path.Combine(directory, HtmlFile);
        File.WriteAllText(md, RenderMarkdown(matrix));
        File.WriteAllText(html, RenderHtml(matrix));
        return (md, html);
    }

    private static string MarkdownCell(Cell c)
    {
        var verdict = c.Succeeded ? c.Verdict : $"**{c.Verdict}**";
        var head = c.Link is { } l ? $"[{verdict}]({l.Replace(" ", "%20")})" : verdict;
        return head + "<br>" + string.Join("<br>", c.Figures.Select(Escape));
    }

    private static string HtmlCell(Cell c)
    {
        var verdict = Html(c.Verdict);
        var head = c.Link is { } l ? $"<a href=\"{Html(Uri.EscapeDataString(l).Replace("%2F", "/"))}\">{verdict}</a>" : verdict;
        return $"<td class=\"{(c.Succeeded ? "ok" : "bad")}\"><b>{head}</b><ul>{string.Concat(c.Figures.Select(f => $"<li>{Html(f)}</li>"))}</ul></td>";
    }

    private static string Verdict(CaseStatus status) => status switch
    {
        CaseStatus.Passed => "passed",
        CaseStatus.Flaky => "flaky",
        CaseStatus.Failed => "FAILED",
        _ => "ERROR",
    };

    private static string Count(long n, string one, string? many = null) => $"{n} {(n == 1 ? one : many ?? one + "s")}";

    private static string Line(string text) => text.ReplaceLineEndings(" ");

    private static string Escape(string text) => Line(text).Replace("|", "\\|");

    private static string Html(string text) => WebUtility.HtmlEncode(text);
}
