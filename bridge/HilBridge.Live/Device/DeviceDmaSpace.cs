using HilBridge.Core.Dma;
using HilBridge.Core.Engine;
using HilBridge.Core.Memory;

namespace HilBridge.Live.Device;

/// <summary>
/// The device's DMA: IOVA -> ATC (through the engine) -> QEMU user address -> memory table -> our
/// mapping of guest RAM. Every byte is bounds-checked against the memory table and the entry's
/// permission; a translation stays pinned in the engine only while its bytes are copied.
/// Without an IOMMU (iommu_platform off) addresses are guest-physical and go straight to the table.
/// </summary>
public sealed class DeviceDmaSpace : IDmaSpace, ITranslationPrefetch
{
    private readonly EngineGate? _engine;
    private readonly Func<MemoryTable?> _memory;
    private readonly Func<ulong, AccessKind, bool> _sendMiss;
    private readonly Func<bool> _abort;
    private readonly TimeSpan _missTimeout;

    public DeviceDmaSpace(EngineGate? engine, Func<MemoryTable?> memory, Func<ulong, AccessKind, bool> sendMiss, Func<bool> abort, TimeSpan missTimeout)
    {
        _engine = engine;
        _memory = memory;
        _sendMiss = sendMiss;
        _abort = abort;
        _missTimeout = missTimeout;
    }

    public DmaStatus Read(ulong address, Span<byte> destination, DmaPurpose purpose)
    {
        while (!destination.IsEmpty)
        {
            var status = Transfer(address, destination.Length, AccessKind.Read, purpose, out var host, out var length, out var token);
            if (status != DmaStatus.Ok)
            {
                return status;
            }

            unsafe { new ReadOnlySpan<byte>((void*)host, length).CopyTo(destination); }
            End(token);
            destination = destination[length..];
            address += (ulong)length;
        }
        return DmaStatus.Ok;
    }

    public DmaStatus Write(ulong address, ReadOnlySpan<byte> source, DmaPurpose purpose)
    {
        while (!source.IsEmpty)
        {
            var status = Transfer(address, source.Length, AccessKind.Write, purpose, out var host, out var length, out var token);
            if (status != DmaStatus.Ok)
            {
                return status;
            }

            unsafe { source[..length].CopyTo(new Span<byte>((void*)host, length)); }
            End(token);
            source = source[length..];
            address += (ulong)length;
        }
        return DmaStatus.Ok;
    }

    /// <summary>Asks for the buffer's missing translations at once (see <see cref="EngineGate.Prefetch"/>); nothing without an IOMMU.</summary>
    public void Prefetch(ulong address, ulong length, AccessKind kind)
    {
        if (_engine is not null && !_abort())
        {
            _engine.Prefetch(address, length, kind, _sendMiss);
        }
    }

    /// <summary>Translates the longest contiguous piece starting at address; pins it when an engine is used.</summary>
    private DmaStatus Transfer(ulong address, int wanted, AccessKind kind, DmaPurpose purpose, out nint host, out int length, out AccessToken? token)
    {
        host = 0;
        length = 0;
        token = null;
        if (_abort())
        {
            return DmaStatus.Aborted;
        }

        var memory = _memory();
        if (memory is null)
        {
            return DmaStatus.Fault;
        }

        if (_engine is null)
        {
            return Resolve(memory.TryResolveGuestPhys(address, (ulong)wanted, out host, out var gpaRun), gpaRun, out length);
        }

        var result = _engine.BeginAccess(address, (ulong)wanted, kind, purpose, () => _sendMiss(address, kind), _missTimeout, _abort, out var entry, out var pinned);
        switch (result)
        {
            case AccessResult.Hit:
                break;
            case AccessResult.Fenced:
                return DmaStatus.Fenced;
            case AccessResult.Miss:
                // Unanswered is retried (a status byte, up to 32 s, then the ring stops): right when QEMU's main
                // loop stalls. A fenced device's misses stay unanswered for good (a quarantining SMMU refuses its
                // translation requests) and its owner resets it only after the request completes: a fault, so
                // the request completes now, as an error, instead of stopping the ring for ever.
                return _abort() ? DmaStatus.Aborted : _engine.IsFenced ? DmaStatus.Fault : DmaStatus.Unanswered;
            default:
                return _abort() ? DmaStatus.Aborted : DmaStatus.Fault;
        }
        // Clamp the piece to the entry, then to the memory region.
        var want = Math.Min((ulong)wanted, entry.BytesFrom(address));
        var userAddr = entry.Translate(address);
        var status = Resolve(memory.TryResolveUser(userAddr, want, out host, out var run), run, out length);
        if (status != DmaStatus.Ok)
        {
            End(pinned);
            return status;
        }
        token = pinned;
        return DmaStatus.Ok;
    }

    private static DmaStatus Resolve(bool found, ulong contiguous, out int length)
    {
        length = (int)Math.Min(contiguous, int.MaxValue);
        return found && length > 0 ? DmaStatus.Ok : DmaStatus.Fault;
    }

    private void End(AccessToken? token)
    {
        if (token is { } t)
        {
            _engine!.EndAccess(t);
        }
    }
}
