using HilBridge.Core.Dma;
using HilBridge.Core.Engine;
using HilBridge.Core.Memory;
using HilBridge.Live.Device;
using Microsoft.Extensions.Time.Testing;

namespace HilBridge.Live.Tests.Device;

/// <summary>
/// A miss nobody answers: retried later when the device is unfenced (QEMU's main loop may be stalled), a fault at
/// once when it is fenced (a quarantining SMMU refuses its translation requests for good, and the guest resets the
/// device only after its request completes). A zero miss timeout gives up at the first unanswered MISS.
/// </summary>
public sealed class DeviceDmaSpaceTests : IDisposable
{
    private readonly EngineGate _gate = new(new EngineOptions(), new FakeTimeProvider(), _ => { });
    private readonly List<ulong> _misses = [];

    private DeviceDmaSpace Space() => new(_gate, () => MemoryTable.Empty, (iova, _) =>
    {
        _misses.Add(iova);
        return true;
    }, () => false, TimeSpan.Zero);

    public void Dispose() => _gate.Dispose();

    [Fact]
    public void Write_StatusByteMissUnansweredUnfenced_Unanswered()
    {
        var status = Space().Write(0x5000, [0], DmaPurpose.Control);

        Assert.Equal(DmaStatus.Unanswered, status);
        Assert.Equal([0x5000UL], _misses);
    }

    [Fact]
    public void Write_StatusByteMissUnansweredFencedByGuestQuarantine_Fault()
    {
        _gate.Apply(EngineInputKind.Fence, (ulong)FenceOrigin.GuestQuarantine, "STE.EATS cleared");

        var status = Space().Write(0x5000, [0], DmaPurpose.Control);

        Assert.Equal(DmaStatus.Fault, status);
        Assert.Equal([0x5000UL], _misses); // the control access still asked: the fence lets control structures through
    }
}
