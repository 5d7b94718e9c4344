using HilBridge.Core.Dma;
using HilBridge.Core.Engine;

namespace HilBridge.Traces.Generation;

/// <summary>
/// A deterministic stand-in for a guest and its virtio-blk device, driving an engine through an
/// <see cref="EngineStepper"/> to make traces of any size (benchmarks, tests): per request the device reads
/// its ring (control), moves a 4 KiB payload page (miss, IOTLB update, retry), and the guest unmaps
/// the page afterwards (invalidation), with time advancing ~20-60 us per step. When the engine fences the
/// device, the guest recovers it 200 ms later (device stop, start, STE rewrite), as the
/// recovery workload does. The engine's own timers fire at their deadlines.
/// </summary>
public sealed class SyntheticTraffic(EngineStepper driver, uint streamId = 0x100, ulong seed = 1)
{
    private const ulong RingIova = 0xF000_0000;
    private const ulong PayloadBase = 0x1000_0000;
    private const int Pages = 256;

    private ulong _state = seed | 1;
    private ulong _nextRequest;
    private DateTimeOffset _now = driver.Now;
    private DateTimeOffset? _fencedSeen;

    /// <summary>Requests simulated so far.</summary>
    public long Requests { get; private set; }

    /// <summary>
    /// A policy with a bit of everything: slow completions, a late straggler, a lost invalidation, a refusal.
    /// At ~16k requests per engine second the faults are seconds apart, so each plays out (timeout, fence,
    /// recovery) before the next.
    /// </summary>
    public static FaultPolicy MixedPolicy { get; } = new(
        new FaultRule { Name = "straggler", EveryNth = 20000, Stragglers = new StragglerSpec(1, Distribution.Fixed(1.1), AccessKind.Write, 64) },
        new FaultRule { Name = "lost", EveryNth = 45007, Outcome = FaultOutcome.Drop },
        new FaultRule { Name = "refused", EveryNth = 70001, Outcome = FaultOutcome.Refuse, Delay = Distribution.Fixed(0.002) },
        new FaultRule { Name = "slow", Probability = 0.02, Delay = Distribution.Uniform(0.0005, 0.02) });

    /// <summary>Announces the StreamID, as the live host does once QEMU numbered the bus.</summary>
    public void Start()
    {
        Apply(new EngineInput(EngineInputKind.DeviceStarted, _now));
        Apply(new EngineInput(EngineInputKind.SetStreamId, _now, Id: streamId));
    }

    /// <summary>Simulates requests while <paramref name="keepGoing"/> says so.</summary>
    public void Run(Func<bool> keepGoing)
    {
        while (keepGoing())
        {
            Request();
        }

        driver.AdvanceTo(_now);
    }

    private void Request()
    {
        Requests++;
        Step(20, 60);
        Recover();
        Access(RingIova + (Next() % 4) * 64, 64, AccessKind.Read, DmaPurpose.Control, RingIova & ~0xFFFUL);
        ulong page = PayloadBase + (Next() % Pages) * 4096;
        var kind = (Next() & 1) == 0 ? AccessKind.Read : AccessKind.Write;
        Access(page, 4096, kind, DmaPurpose.Payload, page);
        Access(RingIova + 0x800, 16, AccessKind.Write, DmaPurpose.Control, RingIova & ~0xFFFUL);
        Step(5, 15);
        // The guest unmaps the payload page once the request completed (iommu.strict=1).
        Apply(new EngineInput(EngineInputKind.IotlbInvalidate, _now, page, 4096, Id: ++_nextRequest));
    }

    private void Access(ulong iova, ulong length, AccessKind kind, DmaPurpose purpose, ulong page)
    {
        for (int attempt = 0; attempt < 2; attempt++)
        {
            var (result, _, token) = Apply(new EngineInput(EngineInputKind.BeginAccess, _now, iova, length, Access: kind, Purpose: purpose));
            if (result == AccessResult.Hit)
            {
                Step(1, 4); // the DMA copy
                Apply(new EngineInput(EngineInputKind.EndAccess, _now, Id: token.Id));
                return;
            }

            if (result == AccessResult.Fenced)
            {
                return;
            }

            // Miss: QEMU answers the device's IOTLB miss with an update.
            Step(2, 6);
            Apply(new EngineInput(EngineInputKind.IotlbUpdate, _now, page, 4096, 0x7f00_0000_0000 + page, AccessKind.ReadWrite));
        }
    }

    private void Recover()
    {
        if (!driver.Engine.FenceState.IsFenced)
        {
            _fencedSeen = null;
            return;
        }

        _fencedSeen ??= _now;
        if (_now - _fencedSeen.Value < TimeSpan.FromMilliseconds(200))
        {
            return;
        }

        // The guest removes and rescans the function: reset, re-initialise, fresh attach.
        Apply(new EngineInput(EngineInputKind.DeviceStopped, _now));
        Step(100, 200);
        Apply(new EngineInput(EngineInputKind.DeviceStarted, _now));
        Apply(new EngineInput(EngineInputKind.SteInvalidated, _now, Id: streamId));
        _fencedSeen = null;
    }

    private StepResult Apply(in EngineInput input)
    {
        driver.AdvanceTo(input.At);
        return driver.Step(input);
    }

    private void Step(int minMicros, int maxMicros) =>
        _now += TimeSpan.FromTicks(10 * (minMicros + (long)(Next() % (ulong)(maxMicros - minMicros + 1))));

    // xorshift64*: tiny, deterministic across runtimes.
    private ulong Next()
    {
        _state ^= _state >> 12;
        _state ^= _state << 25;
        _state ^= _state >> 27;
        return _state * 0x2545F4914F6CDD1DUL;
    }
}
