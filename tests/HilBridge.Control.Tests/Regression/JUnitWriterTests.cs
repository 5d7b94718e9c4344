using System.Xml.Linq;
using HilBridge.Control.Regression;
using HilBridge.Control.Tests.TestSupport;
using HilBridge.Live.Device;
using HilBridge.Live.Guest;
using HilBridge.Scenarios;

namespace HilBridge.Control.Tests.Regression;

public class JUnitWriterTests
{
    // The guest's I/O went through the bridge (else the judge fails the run whatever the scenario expects).
    private static readonly BridgeStatistics OneFence = new() { Requests = 12, Engine = new() { Fences = 1 } };
    private static readonly BridgeStatistics NoFence = new() { Requests = 12 };

    /// <summary>One of each: passed, flaky, failed (after a retry), error, in two suites.</summary>
    private static async Task<RegressionReport> MixedReport()
    {
        var first = Cases.SuiteOf("first", Cases.Of("ok", "  fences: '>= 1'", "first"), Cases.Of("wobbly", "  fences: '>= 1'", "first"));
        var second = Cases.SuiteOf("second", Cases.Of("wrong", "  fences: '>= 1'", "second"), Cases.Of("hangs", "  fences: '>= 1'", "second"));
        var executor = new FakeExecutor((c, attempt) => c.Name switch
        {
            "wobbly" when attempt == 1 => NoFence,
            "wrong" => NoFence,
            _ => OneFence,
        })
        {
            Abort = (c, _) => c.Name == "hangs" ? "guest did not finish\u0007 within 240 s" : null,
        };
        var runner = new RegressionRunner(executor, new RegressionOptions { Retries = 1, OutputDirectory = Path.Combine(Path.GetTempPath(), "hbct-unused") }, new Progress<string>(), TimeProvider.System);
        return await runner.RunAsync([first, second], CancellationToken.None);
    }

    [Fact]
    public async Task Build_MixedReport_CountsPerSuiteAndTotal()
    {
        var xml = JUnitWriter.Build(await MixedReport());

        var root = xml.Root!;
        Assert.Equal("testsuites", root.Name.LocalName);
        Assert.Equal(("4", "1", "1", "0"), (Attr(root, "tests"), Attr(root, "failures"), Attr(root, "errors"), Attr(root, "skipped")));
        var suites = root.Elements("testsuite").ToList();
        Assert.Equal(new[] { "first", "second" }, suites.Select(s => Attr(s, "name")));
        Assert.Equal(("2", "0", "0"), (Attr(suites[0], "tests"), Attr(suites[0], "failures"), Attr(suites[0], "errors")));
        Assert.Equal(("2", "1", "1"), (Attr(suites[1], "tests"), Attr(suites[1], "failures"), Attr(suites[1], "errors")));
        Assert.All(root.Descendants("testcase"), c => Assert.True(double.TryParse(Attr(c, "time"), System.Globalization.CultureInfo.InvariantCulture, out _)));
    }

    [Fact]
    public async Task Build_FailedCase_FailureNamesExpectationAndKeepsTheRetry()
    {
        var xml = JUnitWriter.Build(await MixedReport());

        var wrong = Case(xml, "wrong");
        var failure = Assert.Single(wrong.Elements("failure"));
        Assert.Equal("expectation fences failed: expected >= 1, actual 0", Attr(failure, "message"));
        Assert.Equal("ExpectationFailed", Attr(failure, "type"));
        Assert.Contains("expect             FAIL fences >= 1 (actual 0)", failure.Value);
        Assert.Single(wrong.Elements("rerunFailure"));
        Assert.Equal("second", Attr(wrong, "classname"));
    }

    [Fact]
    public async Task Build_FlakyCase_PassesWithFlakyFailureAndProperty()
    {
        var xml = JUnitWriter.Build(await MixedReport());

        var wobbly = Case(xml, "wobbly");
        Assert.Empty(wobbly.Elements("failure"));
        Assert.Single(wobbly.Elements("flakyFailure"));
        Assert.Equal("true", wobbly.Element("properties")!.Elements("property").Single(p => Attr(p, "name") == "flaky").Attribute("value")!.Value);
        Assert.Equal("2", wobbly.Element("properties")!.Elements("property").Single(p => Attr(p, "name") == "attempts").Attribute("value")!.Value);
    }

    [Fact]
    public async Task Build_AbortedCase_ErrorWithoutControlCharacters()
    {
        var xml = JUnitWriter.Build(await MixedReport());

        var error = Assert.Single(Case(xml, "hangs").Elements("error"));
        Assert.Equal("run aborted: guest did not finish within 240 s", Attr(error, "message"));
        Assert.Equal("RunAborted", Attr(error, "type"));
    }

    [Fact]
    public async Task Build_KernelAxis_CaseNamedByScenarioAndKernelWithBothProperties()
    {
        var scenario = Cases.Of("ok", "  fences: '>= 1'", "matrix");
        var kernels = new[] { "stable", "unstable" }.Select(k => scenario with { Kernel = new SuiteKernel(k, GuestKernelSpec.Parse(k)) }).ToArray();
        var executor = new FakeExecutor((_, _) => OneFence) { Kernel = c => new GuestKernelInfo(c.Kernel!.Label == "stable" ? "6.1.0-57-arm64" : "7.2.13+deb14-arm64", c.Kernel.Label) };
        var output = Path.Combine(Path.GetTempPath(), "hbct-unused");
        var report = await new RegressionRunner(executor, new RegressionOptions { OutputDirectory = output }, new Progress<string>(), TimeProvider.System)
            .RunAsync([Cases.SuiteOf("matrix", kernels)], CancellationToken.None);

        var cases = JUnitWriter.Build(report).Descendants("testcase").ToList();

        Assert.Equal(["ok [stable]", "ok [unstable]"], cases.Select(c => Attr(c, "name")));
        var properties = cases[1].Descendants("property").ToDictionary(p => Attr(p, "name"), p => Attr(p, "value"));
        Assert.Equal("unstable", properties["guestKernel"]);
        Assert.Equal("7.2.13+deb14-arm64 (unstable)", properties["kernel"]);
        Assert.EndsWith(Path.Combine("ok", "unstable", "attempt-1"), properties["output"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Write_File_ParsesBack()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "out", "junit.xml");

        JUnitWriter.Write(await MixedReport(), path);

        var parsed = XDocument.Load(path);
        Assert.Equal(4, parsed.Descendants("testcase").Count());
    }

    [Fact]
    public async Task Markdown_MixedReport_TableAndProblems()
    {
        var text = MarkdownSummary.Render(await MixedReport());

        Assert.StartsWith("# HilBridge regression FAILED", text);
        Assert.Contains("| second | wrong | **failed** | 2 |", text);
        Assert.Contains("| first | wobbly | flaky | 2 |", text);
        Assert.Contains("### second/wrong: failed", text);
        Assert.Contains("expectation fences failed: expected >= 1, actual 0", text);
    }

    private static XElement Case(XDocument xml, string name) => xml.Descendants("testcase").Single(c => Attr(c, "name") == name);

    private static string Attr(XElement e, string name) => e.Attribute(name)?.Value ?? throw new Xunit.Sdk.XunitException($"{e.Name} has no {name}");
}
