using HilBridge.Core.Dma;
using HilBridge.Core.Engine;

namespace HilBridge.Core.Tests.Engine;

public sealed class EngineStepperTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 6, 20, 0, 0, TimeSpan.Zero);

    private static EngineStepper Stepper(Observed observer, FaultPolicy? policy = null) =>
        new(new EngineOptions { Policy = policy ?? FaultPolicy.None, StreamId = 0x100 }, Start, observer);

    private static EngineInput Map(DateTimeOffset at) =>
        new(EngineInputKind.IotlbUpdate, at, 0x10000, 4096, 0x7F00_0000_0000, AccessKind.ReadWrite);

    private static EngineInput Read(DateTimeOffset at) =>
        new(EngineInputKind.BeginAccess, at, 0x10010, 64, Access: AccessKind.Read, Purpose: DmaPurpose.Payload);

    [Fact]
    public void Step_InputOlderThanTheClock_StampedWithTheClock()
    {
        var observed = new Observed();
        var stepper = Stepper(observed);

        stepper.Step(Map(Start.AddSeconds(2)));
        stepper.Step(new EngineInput(EngineInputKind.Timer, Start.AddSeconds(1)));
        stepper.Step(new EngineInput(EngineInputKind.Timer, Start.AddSeconds(3)));

        Assert.Equal([Start.AddSeconds(2), Start.AddSeconds(2), Start.AddSeconds(3)], observed.Inputs.Select(i => i.Input.At));
        Assert.Equal(Start.AddSeconds(3), stepper.Now);
    }

    [Fact]
    public void Step_InputWithEffects_ObserverSeesTheInputThenItsEffects()
    {
        var observed = new Observed();
        var stepper = Stepper(observed);

        stepper.Step(new EngineInput(EngineInputKind.IotlbInvalidate, Start, 0x10000, 4096, Id: 7));

        Assert.Equal(["input IotlbInvalidate", "effect AckInvalidation"], observed.Order);
        Assert.Equal(7UL, observed.Effects.Single().RequestId);
    }

    [Fact]
    public void Step_BeginAccess_ResultCarriedWithTheInput()
    {
        var observed = new Observed();
        var stepper = Stepper(observed);

        var miss = stepper.Step(Read(Start));
        stepper.Step(Map(Start));

        Assert.Equal(AccessResult.Miss, miss.Result);
        Assert.False(miss.Token.IsValid);
        Assert.Equal([(EngineInputKind.BeginAccess, (AccessResult?)AccessResult.Miss), (EngineInputKind.IotlbUpdate, null)],
            observed.Inputs.Select(i => (i.Input.Kind, i.Result)));
    }

    [Fact]
    public void Step_BeginAccessHit_ReturnsTheEntryAndTheToken()
    {
        var stepper = Stepper(new Observed());
        stepper.Step(Map(Start));

        var hit = stepper.Step(Read(Start));

        Assert.Equal(AccessResult.Hit, hit.Result);
        Assert.True(hit.Token.IsValid);
        Assert.Equal(0x7F00_0000_0010UL, hit.Entry.Translate(0x10010));
        Assert.Equal(1, stepper.Engine.InFlightAccesses);
        stepper.Step(new EngineInput(EngineInputKind.EndAccess, Start, Id: hit.Token.Id));
        Assert.Equal(0, stepper.Engine.InFlightAccesses);
    }

    [Fact]
    public void Step_OtherInput_ReturnsNoResult()
    {
        var stepper = Stepper(new Observed());

        Assert.Equal(default, stepper.Step(Map(Start)));
    }

    [Fact]
    public void Step_RejectedInput_ObservedWithoutResultAndRethrown()
    {
        var observed = new Observed();
        var stepper = Stepper(observed);

        Assert.ThrowsAny<ArgumentException>(() => stepper.Step(new EngineInput(EngineInputKind.BeginAccess, Start, 0x10000, 64, Access: AccessKind.None)));

        Assert.Equal((EngineInputKind.BeginAccess, (AccessResult?)null), observed.Inputs.Select(i => (i.Input.Kind, i.Result)).Single());
    }

    [Fact]
    public void AdvanceTo_PendingDeadline_FiresATimerAtItsOwnTime()
    {
        var observed = new Observed();
        var delayed = new FaultPolicy(new FaultRule { Delay = Distribution.Fixed(0.5) });
        var stepper = Stepper(observed, delayed);
        stepper.Step(new EngineInput(EngineInputKind.IotlbInvalidate, Start, 0x10000, 4096, Id: 1));
        var due = stepper.Engine.NextDeadline!.Value;

        stepper.AdvanceTo(Start.AddSeconds(10));

        var timer = observed.Inputs.Single(i => i.Input.Kind == EngineInputKind.Timer);
        Assert.Equal(due, timer.Input.At);
        Assert.Equal(EffectKind.AckInvalidation, observed.Effects.Single().Kind);
        Assert.Equal(Start.AddSeconds(10), stepper.Now);
    }

    [Fact]
    public void Step_SteadyStateUpdateAccessInvalidate_AllocatesNothing()
    {
        var stepper = new EngineStepper(new EngineOptions { StreamId = 0x100 }, Start, new Discard());
        for (int i = 0; i < 1_000; i++)
        {
            Cycle(stepper, (ulong)i);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            Cycle(stepper, (ulong)i);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static void Cycle(EngineStepper stepper, ulong i)
    {
        var at = Start.AddTicks((long)i);
        stepper.Step(Map(at));
        var hit = stepper.Step(Read(at));
        stepper.Step(new EngineInput(EngineInputKind.EndAccess, at, Id: hit.Token.Id));
        stepper.Step(new EngineInput(EngineInputKind.IotlbInvalidate, at, 0x10000, 4096, Id: i + 1));
    }

    private sealed class Discard : IEngineObserver
    {
        public void OnInput(in EngineInput input, AccessResult? result)
        {
        }

        public void OnEffect(in EngineEffect effect)
        {
        }
    }

    private sealed class Observed : IEngineObserver
    {
        public List<(EngineInput Input, AccessResult? Result)> Inputs { get; } = [];

        public List<EngineEffect> Effects { get; } = [];

        public List<string> Order { get; } = [];

        public void OnInput(in EngineInput input, AccessResult? result)
        {
            Inputs.Add((input, result));
            Order.Add("input " + input.Kind);
        }

        public void OnEffect(in EngineEffect effect)
        {
            Effects.Add(effect);
            Order.Add("effect " + effect.Kind);
        }
    }
}
