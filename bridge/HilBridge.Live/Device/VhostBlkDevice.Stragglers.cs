using HilBridge.Core.Dma;
using HilBridge.Core.Engine;
using HilBridge.Core.Memory;

namespace HilBridge.Live.Device;

// Stragglers as real DMA: the late write (or read) the engine decided on, through the stale translation.
internal sealed partial class VhostBlkDevice
{
    /// <summary>More than any translation the guest's DMA API maps for one buffer; a larger straggler is cut here (and counted as a fault).</summary>
    public const int MaxStragglerBytes = 1 << 21;

    /// <summary>
    /// Performs straggler <paramref name="straggler"/> if the engine let it reach memory: through the address
    /// its stale translation points to, the memory table and its bounds checks, like every other DMA. A
    /// write leaves <see cref="StragglerPoison"/> carrying its id; a read takes the bytes out (and drops
    /// them). Called under the engine lock, so it is quick: at most one translation's worth of bytes.
    /// </summary>
    /// <returns>The bytes moved; 0 when refused, and when the address is outside guest memory (counted as a fault).</returns>
    public ulong PerformStraggler(in StragglerAccess straggler)
    {
        if (!straggler.ReachesMemory || straggler.UserAddr == 0)
        {
            return 0;
        }

        // What crosses the bus: a write's poison, or a read's bytes leaving guest memory (nothing uses them).
        var bus = new byte[(int)Math.Min(straggler.Bytes, MaxStragglerBytes)];
        if (straggler.Kind == AccessKind.Write)
        {
            StragglerPoison.Fill(bus, straggler.Id);
        }

        int moved = 0;
        lock (_mappingLock)
        {
            var memory = _memory;
            while (memory is not null && moved < bus.Length &&
                memory.TryResolveUser(straggler.UserAddr + (ulong)moved, (ulong)(bus.Length - moved), out var host, out var run) && run > 0)
            {
                var piece = MemoryTable.AsSpan(host, Math.Min(run, (ulong)(bus.Length - moved)));
                if (straggler.Kind == AccessKind.Write)
                {
                    bus.AsSpan(moved, piece.Length).CopyTo(piece);
                }
                else
                {
                    piece.CopyTo(bus.AsSpan(moved));
                }

                moved += piece.Length;
            }
        }

        if ((ulong)moved < straggler.Bytes)
        {
            Interlocked.Increment(ref _counters.StragglerFaults);
        }

        Interlocked.Add(ref straggler.Kind == AccessKind.Write ? ref _counters.StragglerBytesWritten : ref _counters.StragglerBytesRead, moved);
        return (ulong)moved;
    }
}
