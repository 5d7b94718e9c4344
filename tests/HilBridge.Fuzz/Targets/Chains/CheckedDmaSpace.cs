using HilBridge.Core.Dma;

namespace HilBridge.Fuzz.Targets.Chains;

/// <summary>
/// Guest memory as a byte array at an IOVA, behaving like the bridge's DMA space (outside it: Fault)
/// and recording every write, so the oracle can check the device only wrote where the driver let it.
/// An access whose range wraps the address space is itself a device bug and is recorded as one.
/// </summary>
internal sealed class CheckedDmaSpace(ulong baseAddress, byte[] memory) : IDmaSpace
{
    public List<(ulong Address, int Length)> Writes { get; } = [];

    public List<string> Problems { get; } = [];

    public bool FencePayload { get; init; }

    /// <summary>Asked before each write lands (memory still as it was): may the device write there?</summary>
    public Func<ulong, int, bool>? IsWriteAllowed { get; init; }

    public long Accesses { get; private set; }

    /// <summary>
    /// Most accesses a correct device may have made so far (asked at each access). Past it the space
    /// records a problem and faults every access, so a device that loops ends its run (and is reported)
    /// instead of hanging it: a bound on work, where a timing would depend on the machine's load.
    /// </summary>
    public Func<long>? Budget { get; init; }

    private bool _overBudget;

    public DmaStatus Read(ulong address, Span<byte> destination, DmaPurpose purpose)
    {
        if (!TryLocate(address, destination.Length, purpose, out var offset, out var status))
        {
            return status;
        }

        memory.AsSpan(offset, destination.Length).CopyTo(destination);
        return DmaStatus.Ok;
    }

    public DmaStatus Write(ulong address, ReadOnlySpan<byte> source, DmaPurpose purpose)
    {
        if (!TryLocate(address, source.Length, purpose, out var offset, out var status))
        {
            return status;
        }

        if (IsWriteAllowed is { } allowed && !allowed(address, source.Length))
        {
            Problems.Add($"device wrote {source.Length} bytes at 0x{address:x}, outside the used ring and every device-writable buffer");
        }

        source.CopyTo(memory.AsSpan(offset, source.Length));
        Writes.Add((address, source.Length));
        return DmaStatus.Ok;
    }

    private bool TryLocate(ulong address, int length, DmaPurpose purpose, out int offset, out DmaStatus status)
    {
        Accesses++;
        offset = 0;
        status = DmaStatus.Ok;
        if (_overBudget || (Budget is { } budget && Accesses > budget()))
        {
            if (!_overBudget)
            {
                Problems.Add($"{Accesses} DMA accesses, more than a correct device makes for the requests it popped ({Budget!()})");
                _overBudget = true;
            }

            status = DmaStatus.Fault;
            return false;
        }

        if (length == 0)
        {
            return false; // nothing to move; Ok, as the bridge's DMA space answers
        }

        if (length < 0 || (ulong)(length - 1) > ulong.MaxValue - address)
        {
            Problems.Add($"DMA of {length} bytes at 0x{address:x} wraps the address space");
            status = DmaStatus.Fault;
            return false;
        }
        if (purpose == DmaPurpose.Payload && FencePayload)
        {
            status = DmaStatus.Fenced;
            return false;
        }
        var relative = address - baseAddress;
        if (address < baseAddress || relative >= (ulong)memory.Length || (ulong)length > (ulong)memory.Length - relative)
        {
            status = DmaStatus.Fault;
            return false;
        }
        offset = (int)relative;
        return true;
    }
}
