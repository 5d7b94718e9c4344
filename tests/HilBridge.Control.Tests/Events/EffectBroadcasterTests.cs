using HilBridge.Control.Events;
using HilBridge.Control.Tests.TestSupport;
using HilBridge.Core.Engine;

namespace HilBridge.Control.Tests.Events;

public class EffectBroadcasterTests
{
    [Fact]
    public void Subscribe_FenceAndUnfence_ReceivesBothInOrder()
    {
        using var t = new TestBridge();
        using var broadcaster = new EffectBroadcaster(t.Bridge);
        using var subscription = broadcaster.Subscribe(EffectFilter.All);

        t.Bridge.Fence("test fence");
        t.Bridge.Unfence("test unfence");

        Assert.True(subscription.Reader.TryRead(out var first));
        Assert.True(subscription.Reader.TryRead(out var second));
        Assert.Equal((EffectKind.Fenced, "test fence"), (first.Kind, first.Reason));
        Assert.Equal((EffectKind.Unfenced, "test unfence"), (second.Kind, second.Reason));
        Assert.Equal(0, subscription.TakeDropped());
    }

    [Fact]
    public void Offer_QueueFull_DropsAndCountsWithoutBlocking()
    {
        using var t = new TestBridge();
        using var broadcaster = new EffectBroadcaster(t.Bridge);
        using var subscription = broadcaster.Subscribe(EffectFilter.All, capacity: 2);

        for (var i = 0; i < 5; i++)
        {
            t.Bridge.Fence($"fence {i}");
            t.Bridge.Unfence($"unfence {i}");
        }

        Assert.Equal(8, subscription.TakeDropped());
        Assert.Equal(0, subscription.TakeDropped());
        Assert.True(subscription.Reader.TryRead(out var kept));
        Assert.Equal("fence 0", kept.Reason);
    }

    [Fact]
    public void Filter_OnlyFenced_SkipsOtherKindsWithoutCountingThemDropped()
    {
        using var t = new TestBridge();
        using var broadcaster = new EffectBroadcaster(t.Bridge);
        using var subscription = broadcaster.Subscribe(new EffectFilter([EffectKind.Fenced]), capacity: 1);

        t.Bridge.Fence("a");
        t.Bridge.Unfence("b");

        Assert.True(subscription.Reader.TryRead(out var only));
        Assert.Equal(EffectKind.Fenced, only.Kind);
        Assert.False(subscription.Reader.TryRead(out _));
        Assert.Equal(0, subscription.TakeDropped());
    }

    [Fact]
    public void Filter_OnlyRefusedAcks_AcceptsNonZeroStatusOnly()
    {
        var filter = new EffectFilter(onlyRefusedAcks: true);

        Assert.False(filter.Accepts(new EngineEffect { Kind = EffectKind.AckInvalidation, Status = 0 }));
        Assert.True(filter.Accepts(new EngineEffect { Kind = EffectKind.AckInvalidation, Status = 1 }));
        Assert.True(filter.Accepts(new EngineEffect { Kind = EffectKind.Fenced }));
    }

    [Fact]
    public async Task Dispose_EndsStreamsAfterQueuedEffects()
    {
        using var t = new TestBridge();
        var broadcaster = new EffectBroadcaster(t.Bridge);
        using var subscription = broadcaster.Subscribe(EffectFilter.All);
        t.Bridge.Fence("last");

        broadcaster.Dispose();
        t.Bridge.Unfence("after the end");

        var read = new List<EngineEffect>();
        await foreach (var e in subscription.Reader.ReadAllAsync())
        {
            read.Add(e);
        }

        Assert.Equal("last", Assert.Single(read).Reason);
        Assert.Equal(0, broadcaster.SubscriberCount);
    }

    [Fact]
    public void Unsubscribe_StopsDelivery()
    {
        using var t = new TestBridge();
        using var broadcaster = new EffectBroadcaster(t.Bridge);
        var subscription = broadcaster.Subscribe(EffectFilter.All);

        subscription.Dispose();
        t.Bridge.Fence("nobody listens");

        Assert.Equal(0, broadcaster.SubscriberCount);
        Assert.False(subscription.Reader.TryRead(out _));
    }
}
