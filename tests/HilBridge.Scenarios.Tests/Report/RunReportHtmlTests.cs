using System.Text.RegularExpressions;
using HilBridge.Scenarios.Report;
using HilBridge.Scenarios.Tests.TestSupport;

namespace HilBridge.Scenarios.Tests.Report;

/// <summary>report.html rendered by a real browser (headless Chromium): what its script drew, not the markup we wrote.</summary>
public sealed class RunReportHtmlTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("hb-report-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Write(RunSummary summary, RunTimeline timeline)
    {
        var path = Path.Combine(_directory, "report.html");
        File.WriteAllText(path, RunReportHtml.Render(summary, timeline, "qemu-system-aarch64 -M 'virt,iommu=smmuv3'"));
        return path;
    }

    [Fact]
    public void Render_InChromium_DrawsEveryLaneOfTheTimeline()
    {
        var dom = HeadlessChromium.DumpDom(Write(RunReportFixture.Summary(), RunReportFixture.Timeline()));

        Assert.Contains("data-rendered=\"ok\"", dom);
        Assert.Equal(3, HeadlessChromium.CountClass(dom, "mark", "invalidations"));
        Assert.Equal(1, HeadlessChromium.CountClass(dom, "mark", "invalidations", "timed-out"));
        // The 20 ms delay, and the timed-out one acknowledged when the fence was up.
        Assert.Equal(2, HeadlessChromium.CountClass(dom, "mark", "delays"));
        Assert.Equal(1, HeadlessChromium.CountClass(dom, "mark", "fences"));
        Assert.Equal(1, HeadlessChromium.CountClass(dom, "mark", "timeout"));
        Assert.Equal(1, HeadlessChromium.CountClass(dom, "mark", "straggler"));
        Assert.Equal(1, HeadlessChromium.CountClass(dom, "mark", "violation"));
        Assert.Equal(1, HeadlessChromium.CountClass(dom, "mark", "refused"));
        Assert.Equal(2, HeadlessChromium.CountClass(dom, "mark", "guest"));
        // Invalidation 3's story: its timeout, straggler and violation are each joined to it.
        Assert.Equal(3, Regex.Matches(dom, "class=\"link [a-z]+\" data-id=\"3\"").Count);
        Assert.Equal(9, HeadlessChromium.CountClass(dom, "lane"));
    }

    [Fact]
    public void Render_InChromium_DrawsTheHistogramAndTheTables()
    {
        var timeline = RunReportFixture.Timeline();

        var dom = HeadlessChromium.DumpDom(Write(RunReportFixture.Summary(), timeline));

        Assert.Equal(timeline.AckLatency.Count, HeadlessChromium.CountClass(dom, "bar"));
        Assert.Equal(3, Regex.Matches(dom, "class=\"bar\" data-count=\"(\\d+)\"").Sum(m => int.Parse(m.Groups[1].Value)));
        Assert.Matches("<tr class=\"fail\"><td>FAIL</td><td>violations</td><td>== 0</td><td>1</td></tr>", dom);
        Assert.Matches("<tr class=\"ok\"><td>ok</td><td>fences</td>", dom);
        Assert.Matches("<table id=\"findings\">.*#1 req=3 iova=0x3000 violation", dom);
        Assert.Contains("<code title=\"hex 4842535452414733\">\"HBSTRAG3\"</code>", dom);
        Assert.Contains("id=\"outcome\">failed<", dom);
        // The scenario's name is text, not markup.
        Assert.Contains("stragglers-&lt;fence&gt;", dom);
    }

    [Fact]
    public void Render_EmptyRun_StillRendersWithoutError()
    {
        var summary = new RunSummary { Outcome = RunOutcome.Aborted, Reason = "QEMU exited", Bridge = new BridgeStatistics() };

        var dom = HeadlessChromium.DumpDom(Write(summary, new RunTimeline()));

        Assert.Contains("data-rendered=\"ok\"", dom);
        Assert.Equal(0, HeadlessChromium.CountClass(dom, "mark"));
        Assert.Contains("no acknowledgements", dom);
    }

    [Fact]
    public void Render_GuestFindings_PoisonAsTheTextTheGuestSawOtherBytesAsHex()
    {
        var poison = new GuestFinding(1, 3, 0, 64, "484253545241473a3030303030303031", PoisonId: 1);
        var garbage = new GuestFinding(2, 4, 16, 3, "00ff10", PoisonId: null);
        var summary = RunReportFixture.Summary() with { GuestFindings = [poison, garbage] };

        var html = RunReportHtml.Render(summary, RunReportFixture.Timeline());

        Assert.Contains("<td><code title=\"hex 484253545241473a3030303030303031\">&quot;HBSTRAG:00000001&quot;</code></td>", html);
        Assert.Contains("<td><code title=\"hex 00ff10\">00ff10</code></td>", html);
    }

    [Fact]
    public void Render_ImplicitExpectation_MarkedAsTheJudgesOwn()
    {
        var judged = Judge.Verdict(RunReportFixture.Summary() with { Bridge = new BridgeStatistics() }, []);

        var html = RunReportHtml.Render(judged, RunReportFixture.Timeline());

        Assert.Contains("<tr class=\"fail\"><td>FAIL</td><td>requests (implicit in every run)</td><td>&gt; 0</td><td>0</td></tr>", html);
    }

    [Fact]
    public void Render_Page_LoadsNothingFromOutside()
    {
        var html = RunReportHtml.Render(RunReportFixture.Summary(), RunReportFixture.Timeline());

        // The only URL is the SVG namespace, an identifier that is never fetched.
        Assert.Equal(["http://www.w3.org/2000/svg"], Regex.Matches(html, "https?://[^'\" ]+").Select(m => m.Value).Distinct());
        Assert.DoesNotMatch("(src|href)\\s*=", html);
    }
}
