using HilBridge.Core.Engine;
using HilBridge.Scenarios;

namespace HilBridge.EndToEnd.Tests;

/// <summary>The two witnesses of a live run: the engine's violations and the guest's own findings.</summary>
internal static class WitnessAssert
{
    /// <summary>The guest found corruption, and each finding is the poison of a different straggler that ran after its acknowledgement.</summary>
    public static void GuestSawEachViolatingStraggler(RunSummary summary)
    {
        Assert.True(summary.GuestWitnessRounds > 0, "the workload ran no witness rounds");
        Assert.True(summary.GuestCorruptions >= 1, "the guest found no corrupted bytes");
        Assert.True(summary.Bridge.Engine.Violations >= 1, "the engine saw no violation");
        Assert.Equal(summary.GuestCorruptions, summary.GuestFindings.Count);
        Assert.All(summary.GuestFindings, f => Assert.Equal(StragglerOutcome.Violation, f.StragglerOutcome));
        Assert.Equal(summary.GuestFindings.Count, summary.GuestFindings.Select(f => f.PoisonId).Distinct().Count());
        Assert.True(summary.Bridge.StragglerBytesWritten > 0);
    }

    /// <summary>The guest checked its data and found nothing changed, and the engine saw no violation.</summary>
    public static void NothingCorrupted(RunSummary summary)
    {
        Assert.True(summary.GuestWitnessRounds > 0, "the workload ran no witness rounds");
        Assert.Equal((0, 0L), (summary.GuestCorruptions, summary.Bridge.Engine.Violations));
        Assert.Empty(summary.GuestFindings);
    }
}
