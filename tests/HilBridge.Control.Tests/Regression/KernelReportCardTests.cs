using HilBridge.Control.Regression;
using HilBridge.Control.Tests.TestSupport;
using HilBridge.Live.Device;
using HilBridge.Live.Guest;
using HilBridge.Scenarios;

namespace HilBridge.Control.Tests.Regression;

public class KernelReportCardTests
{
    private const string Out = "/out/regress";

    /// <summary>
    /// A fabricated kernel suite: a stock kernel that shows the use-after-free (witnessed by the guest),
    /// a quarantine kernel that fences through its STE and recovers by reset, and one case that aborted.
    /// </summary>
    private static RegressionReport Report()
    {
        var stock = new SuiteKernel("stable", GuestKernelSpec.Parse("stable"));
        var quarantine = new SuiteKernel("build:quarantine", GuestKernelSpec.Parse("build"));
        CaseResult Result(string scenario, SuiteKernel kernel, CaseStatus status, RunSummary? summary, string message = "passed")
        {
            var c = Cases.Of(scenario, "  violations: '>= 0'", "kernels") with { Kernel = kernel };
            var folder = $"{Out}/kernels/{scenario}/{RegressionRunner.KernelFolder(kernel.Label)}/attempt-1";
            return new CaseResult(c, status, [new AttemptResult(1, status, message, "", TimeSpan.FromSeconds(30), summary, folder)]);
        }
        RunSummary Summary(string release, long violations, int guestFindings, long fences, long steFences, long refused, int recoveries, double? recovery) => new()
        {
            Outcome = RunOutcome.Passed,
            DataVerified = violations == 0,
            GuestWitnessRounds = 1,
            GuestCorruptions = guestFindings,
            GuestRecoveries = recoveries,
            Kernel = new GuestKernelInfo(release, "stable"),
            AtsPort = new AtsPortStatistics
            {
                SteFences = steFences,
                SteFenceAfterSmmuTimeout = steFences > 0 ? TimeSpan.FromMilliseconds(512.4) : null,
                FailedFlushes = 1,
                FlushesCompletedFenced = steFences,
                FlushesCompletedUnfenced = 1 - steFences,
                FenceLeadMin = steFences > 0 ? TimeSpan.FromMilliseconds(7.5) : null,
            },
            Bridge = new BridgeStatistics
            {
                Engine = new()
                {
                    Violations = violations,
                    Fences = fences,
                    GuestQuarantines = steFences,
                    StragglersIssued = 1,
                    StragglersRefused = refused,
                    LastRecoveryTime = recovery is { } r ? TimeSpan.FromSeconds(r) : null,
                },
            },
        };
        var suite = Cases.SuiteOf("kernels");
        return new RegressionReport([new SuiteReport(suite, [
            Result("ats-stragglers-timeout", stock, CaseStatus.Passed, Summary("6.1.0-57-arm64", 1, 1, 0, 0, 0, 0, null)),
            Result("ats-stragglers-timeout", quarantine, CaseStatus.Failed, Summary("7.2.8", 0, 0, 1, 1, 1, 1, 2.4), "expectation violations failed"),
            Result("ats-drop", stock, CaseStatus.Error, null, "run aborted: guest did not finish | in 240 s"),
        ])], Shard.All, 0, DateTimeOffset.UnixEpoch, TimeSpan.FromMinutes(2));
    }

    [Fact]
    public void Build_KernelSuite_KernelsAsRowsScenariosAsColumnsLinkedToRunFolders()
    {
        var m = KernelReportCard.Build(Report(), Out);

        Assert.Equal(["stable", "build:quarantine"], m.Kernels);
        Assert.Equal(["6.1.0-57-arm64", "7.2.8"], m.KernelReleases);
        Assert.Equal(["ats-stragglers-timeout", "ats-drop"], m.Scenarios);
        var q = m.Cells[("build:quarantine", "ats-stragglers-timeout")];
        Assert.Equal(("FAILED", false, "kernels/ats-stragglers-timeout/build-quarantine/attempt-1"), (q.Verdict, q.Succeeded, q.Link));
        Assert.Equal(["0 violations", "0 guest findings", "1 fence (guest quarantine 1)", "failed flush completed 7.5 ms after the fence", "STE fence 512 ms after the SMMU's timeout", "1/1 stragglers refused", "1 recovery, 2.4 s", "data verified"], q.Figures);
        Assert.False(m.Cells.ContainsKey(("build:quarantine", "ats-drop")));
    }

    [Fact]
    public void RenderMarkdown_KernelSuite_OneRowPerKernelEveryCellWithVerdictAndFigures()
    {
        var md = KernelReportCard.RenderMarkdown(KernelReportCard.Build(Report(), Out));
        var lines = md.Split('\n');

        Assert.Contains("| kernel | ats-stragglers-timeout | ats-drop |", lines);
        var stock = Assert.Single(lines, l => l.StartsWith("| `stable`", StringComparison.Ordinal));
        Assert.Contains("[passed](kernels/ats-stragglers-timeout/stable/attempt-1)<br>1 violation<br>1 guest finding<br>no fence<br>1 failed flush completed unfenced", stock);
        Assert.Contains("[**ERROR**](kernels/ats-drop/stable/attempt-1)<br>run aborted: guest did not finish \\| in 240 s", stock);
        var quarantine = Assert.Single(lines, l => l.StartsWith("| `build:quarantine`<br>7.2.8", StringComparison.Ordinal));
        Assert.EndsWith("| - |", quarantine.TrimEnd('\r'));
    }

    [Fact]
    public void RenderHtml_KernelSuite_EscapedTableWithLinksAndVerdictClasses()
    {
        var html = KernelReportCard.RenderHtml(KernelReportCard.Build(Report(), Out));

        Assert.StartsWith("<!DOCTYPE html>", html);
        Assert.Contains("<th>ats-stragglers-timeout</th><th>ats-drop</th>", html);
        Assert.Contains("<td class=\"bad\"><b><a href=\"kernels/ats-stragglers-timeout/build-quarantine/attempt-1\">FAILED</a></b><ul><li>0 violations</li>", html);
        Assert.Contains("<li>1 fence (guest quarantine 1)</li><li>failed flush completed 7.5 ms after the fence</li><li>STE fence 512 ms after the SMMU&#39;s timeout</li>", html);
        Assert.Contains("<td class=\"ok\"><b><a href=\"kernels/ats-stragglers-timeout/stable/attempt-1\">passed</a></b>", html);
        Assert.Equal(2, html.Split("<tr><th><code>").Length - 1);
    }

    [Fact]
    public void Write_Report_BothFilesInTheOutputFolder()
    {
        using var dir = new TempDirectory();

        var (md, html) = KernelReportCard.Write(Report(), dir.Path);

        Assert.Equal(Path.Combine(dir.Path, "report-card.md"), md);
        Assert.StartsWith("# Kernel report card", File.ReadAllText(md));
        Assert.Contains("</table>", File.ReadAllText(html));
    }
}
