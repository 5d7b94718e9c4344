using HilBridge.Control.Events;
using HilBridge.Control.Tests.TestSupport;
using HilBridge.Core.Engine;
using HilBridge.Scenarios;

namespace HilBridge.Control.Tests.Events;

public class EventBroadcasterTests
{
    [Fact]
    public void Subscribe_FenceAndUnfence_ReceivesBothInOrder()
    {
        using var t = new TestBridge();
        using var broadcaster = new EventBroadcaster(t.Bridge);
        using var subscription = broadcaster.Subscribe(EventFilter.All);

        t.Bridge.Fence("test fence");
        t.Bridge.Unfence("test unfence");

        Assert.True(subscription.Reader.TryRead(out var first));
        Assert.True(subscription.Reader.TryRead(out var second));
        Assert.Equal((EffectKind.Fenced, "test fence"), (first.Effect.Kind, first.Effect.Reason));
        Assert.Equal((EffectKind.Unfenced, "test unfence"), (second.Effect.Kind, second.Effect.Reason));
        Assert.Equal(0, subscription.TakeDropped());
    }

    [Fact]
    public void Offer_QueueFull_DropsAndCountsWithoutBlocking()
    {
        using var t = new TestBridge();
        using var broadcaster = new EventBroadcaster(t.Bridge);
        using var subscription = broadcaster.Subscribe(EventFilter.All, capacity: 2);

        for (var i = 0; i < 5; i++)
        {
            t.Bridge.Fence($"fence {i}");
            t.Bridge.Unfence($"unfence {i}");
        }

        Assert.Equal(8, subscription.TakeDropped());
        Assert.Equal(0, subscription.TakeDropped());
        Assert.True(subscription.Reader.TryRead(out var kept));
        Assert.Equal("fence 0", kept.Effect.Reason);
    }

    [Fact]
    public void Filter_OnlyFenced_SkipsOtherKindsWithoutCountingThemDropped()
    {
        using var t = new TestBridge();
        using var broadcaster = new EventBroadcaster(t.Bridge);
        using var subscription = broadcaster.Subscribe(new EventFilter([EffectKind.Fenced]), capacity: 1);

        t.Bridge.Fence("a");
        t.Bridge.Unfence("b");

        Assert.True(subscription.Reader.TryRead(out var only));
        Assert.Equal(EffectKind.Fenced, only.Effect.Kind);
        Assert.False(subscription.Reader.TryRead(out _));
        Assert.Equal(0, subscription.TakeDropped());
    }

    [Fact]
    public void Filter_OnlyRefusedAcks_AcceptsNonZeroStatusOnly()
    {
        var filter = new EventFilter(onlyRefusedAcks: true);

        Assert.False(filter.Accepts(new EngineEffect { Kind = EffectKind.AckInvalidation, Status = 0 }));
        Assert.True(filter.Accepts(new EngineEffect { Kind = EffectKind.AckInvalidation, Status = 1 }));
        Assert.True(filter.Accepts(new EngineEffect { Kind = EffectKind.Fenced }));
    }

    [Fact]
    public async Task Dispose_EndsStreamsAfterQueuedEffects()
    {
        using var t = new TestBridge();
        var broadcaster = new EventBroadcaster(t.Bridge);
        using var subscription = broadcaster.Subscribe(EventFilter.All);
        t.Bridge.Fence("last");

        broadcaster.Dispose();
        t.Bridge.Unfence("after the end");

        var read = new List<EngineEffect>();
        await foreach (var e in subscription.Reader.ReadAllAsync())
        {
            read.Add(e.Effect);
        }

        Assert.Equal("last", Assert.Single(read).Reason);
        Assert.Equal(0, broadcaster.SubscriberCount);
    }

    [Fact]
    public void Publish_GuestFinding_ReachesOnlySubscribersThatAskForIt()
    {
        using var t = new TestBridge();
        using var broadcaster = new EventBroadcaster(t.Bridge);
        using var all = broadcaster.Subscribe(EventFilter.All);
        using var fences = broadcaster.Subscribe(new EventFilter([EffectKind.Fenced]));
        using var witnesses = broadcaster.Subscribe(new EventFilter([EffectKind.Violation], guestFindings: true));
        var finding = new GuestFinding(1, 37, 0, 64, "", PoisonId: 2);

        broadcaster.Publish(finding, DateTimeOffset.UnixEpoch);

        Assert.True(all.Reader.TryRead(out var e));
        Assert.Equal(finding, e.Finding);
        Assert.False(fences.Reader.TryRead(out _));
        Assert.True(witnesses.Reader.TryRead(out _));
    }

    [Fact]
    public void Unsubscribe_StopsDelivery()
    {
        using var t = new TestBridge();
        using var broadcaster = new EventBroadcaster(t.Bridge);
        var subscription = broadcaster.Subscribe(EventFilter.All);

        subscription.Dispose();
        t.Bridge.Fence("nobody listens");

        Assert.Equal(0, broadcaster.SubscriberCount);
        Assert.False(subscription.Reader.TryRead(out _));
    }
}
