using HilBridge.Core.Engine;
using HilBridge.Live.AtsPort;
using HilBridge.Live.Device;

namespace HilBridge.Live.Tests.AtsPort;

public sealed class AtsInvalidationTableTests
{
    private static AtsInvalidationTable NewTable() =>
        new(new InvalidationCompletions(TimeProvider.System).Register((in EngineEffect _) => { }));

    [Fact]
    public void Complete_DeviceAnswered_SendWithTheSmmuTag()
    {
        var table = NewTable();
        var id = table.Add(42, 1234);
        Assert.Equal(AckRouting.Send, table.Complete(id, out var tag, out var at, out var late));
        Assert.Equal((42u, 1234L, false), (tag, at, late));
        Assert.Equal(0, table.Outstanding);
    }

    [Fact]
    public void Complete_AfterEngineTimeout_Withheld()
    {
        var table = NewTable();
        var id = table.Add(7, 0);
        table.MarkEngineTimedOut(id);
        Assert.Equal(AckRouting.Withhold, table.Complete(id, out _, out _, out _));
    }

    [Fact]
    public void Complete_AfterSmmuTimeout_SentButLate()
    {
        var table = NewTable();
        var id = table.Add(7, 0);
        table.MarkSmmuTimedOut(7);
        Assert.Equal(AckRouting.Send, table.Complete(id, out _, out _, out var late));
        Assert.True(late);
    }

    [Fact]
    public void Complete_UnknownOrTwice_Unknown()
    {
        var table = NewTable();
        var id = table.Add(7, 0);
        Assert.Equal(AckRouting.Unknown, table.Complete(id + 1, out _, out _, out _));
        table.Complete(id, out _, out _, out _);
        Assert.Equal(AckRouting.Unknown, table.Complete(id, out _, out _, out _));
    }

    [Fact]
    public void Add_SameTagReplayed_OldRequestForgotten()
    {
        var table = NewTable();
        var old = table.Add(9, 0);
        var replayed = table.Add(9, 5);
        Assert.Equal(AckRouting.Unknown, table.Complete(old, out _, out _, out _));
        Assert.Equal(AckRouting.Send, table.Complete(replayed, out var tag, out _, out _));
        Assert.Equal(9u, tag);
    }
}
