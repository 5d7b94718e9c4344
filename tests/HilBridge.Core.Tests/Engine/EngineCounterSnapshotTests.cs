using System.Reflection;
using HilBridge.Core.Engine;

namespace HilBridge.Core.Tests.Engine;

public class EngineCounterSnapshotTests
{
    private static readonly PropertyInfo[] LiveCounters = typeof(EngineCounters).GetProperties()
        .Where(p => p.PropertyType == typeof(long)).ToArray();

    private static readonly PropertyInfo[] SnapshotCounters = typeof(EngineCounterSnapshot).GetProperties()
        .Where(p => p.PropertyType == typeof(long)).ToArray();

    [Fact]
    public void Snapshot_EveryCounterSet_CopiesEachValue()
    {
        var counters = new EngineCounters();
        var settable = LiveCounters.Where(p => p.GetSetMethod(nonPublic: true) is not null).ToArray();
        for (var i = 0; i < settable.Length; i++)
        {
            settable[i].SetValue(counters, 100L + i);
        }

        typeof(EngineCounters).GetProperty(nameof(EngineCounters.LastRecoveryTime))!.SetValue(counters, TimeSpan.FromSeconds(3));

        var snapshot = counters.Snapshot();

        foreach (var live in LiveCounters)
        {
            var copy = typeof(EngineCounterSnapshot).GetProperty(live.Name);
            Assert.True(copy is not null, $"EngineCounterSnapshot has no {live.Name}");
            Assert.Equal(live.GetValue(counters), copy.GetValue(snapshot));
        }
        Assert.Equal(TimeSpan.FromSeconds(3), snapshot.LastRecoveryTime);
    }

    [Fact]
    public void Snapshot_LaterIncrements_DoNotChangeIt()
    {
        var h = new EngineHarness();
        h.Access(0x1000);
        var before = h.Counters.Snapshot();

        h.Access(0x1000);

        Assert.Equal(1, before.AtcMisses);
        Assert.Equal(2, h.Counters.AtcMisses);
    }

    [Fact]
    public void All_EverySnapshotCounter_ListedOnceAndReadsItsOwnValue()
    {
        var snapshot = new EngineCounterSnapshot();
        for (var i = 0; i < SnapshotCounters.Length; i++)
        {
            SnapshotCounters[i].SetValue(snapshot, 1000L + i);
        }

        Assert.Equal(SnapshotCounters.Length, EngineCounterSnapshot.All.Count);
        Assert.Equal(EngineCounterSnapshot.All.Count, EngineCounterSnapshot.All.Select(c => c.Name).Distinct().Count());
        foreach (var property in SnapshotCounters)
        {
            var name = char.ToLowerInvariant(property.Name[0]) + property.Name[1..];
            var definition = Assert.Single(EngineCounterSnapshot.All, c => c.Name == name);
            Assert.Equal(property.GetValue(snapshot), definition.Read(snapshot));
            Assert.False(string.IsNullOrWhiteSpace(definition.Description));
        }
    }
}
