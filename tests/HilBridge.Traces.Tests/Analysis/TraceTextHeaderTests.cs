using HilBridge.Core.Engine;
using HilBridge.Traces.Analysis;
using HilBridge.Traces.Format;

namespace HilBridge.Traces.Tests.Analysis;

public sealed class TraceTextHeaderTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 6, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Header_LiveRunVersions_NamesTheGuestKernelAndItsSource()
    {
        var header = TraceHeaders.Create("s", null, new EngineOptions(), Start,
            new Dictionary<string, string> { ["KERNEL_VERSION"] = "7.2.13+deb14-arm64", ["KERNEL_SOURCE"] = "unstable" });

        Assert.Contains("guest kernel: 7.2.13+deb14-arm64 (unstable)", TraceText.Header(header));
    }

    [Fact]
    public void Header_TraceOfEarlierVersionsWithoutSource_StillNamesTheRelease()
    {
        var header = TraceHeaders.Create("s", null, new EngineOptions(), Start, new Dictionary<string, string> { ["KERNEL_VERSION"] = "6.1.0-57-arm64" });

        Assert.Contains("guest kernel: 6.1.0-57-arm64 (source not recorded)", TraceText.Header(header));
    }

    [Fact]
    public void Header_ImportedTraceWithoutKernel_NoKernelLine()
    {
        var header = TraceHeaders.Create("import", null, new EngineOptions(), Start, source: "import");

        Assert.DoesNotContain(TraceText.Header(header), l => l.StartsWith("guest kernel", StringComparison.Ordinal));
    }
}
