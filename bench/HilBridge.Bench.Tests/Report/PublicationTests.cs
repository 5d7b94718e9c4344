using HilBridge.Bench.Report;

namespace HilBridge.Bench.Tests.Report;

public class PublicationTests
{
    [Fact]
    public void Decide_QuietFullRun_PublishableAndClean()
    {
        var p = Publication.Decide(quick: false, [], loadAtStart: 0.3, loadThreshold: 0.5, ignoreLoad: false);

        Assert.True(p.Publishable);
        Assert.True(p.Clean);
    }

    [Fact]
    public void Decide_LoadAboveGate_NotPublishable()
    {
        var p = Publication.Decide(quick: false, [], loadAtStart: 2.4, loadThreshold: 0.5, ignoreLoad: false);

        Assert.False(p.Publishable);
        Assert.Contains("2.40", Assert.Single(p.Problems));
    }

    [Fact]
    public void Decide_LoadGateOverridden_PublishableButMarked()
    {
        var p = Publication.Decide(quick: false, [], loadAtStart: 2.4, loadThreshold: 0.5, ignoreLoad: true);

        Assert.True(p.Publishable);
        Assert.False(p.Clean);
        Assert.True(p.LoadGateOverridden);
    }

    [Theory]
    [InlineData(true, "")]
    [InlineData(false, "guest")]
    public void Decide_QuickOrFailed_NeverPublishableEvenIgnoringLoad(bool quick, string failed)
    {
        var p = Publication.Decide(quick, failed.Length == 0 ? [] : [failed], loadAtStart: 0.1, loadThreshold: 0.5, ignoreLoad: true);

        Assert.False(p.Publishable);
    }
}
