using HilBridge.Core.Dma;

namespace HilBridge.Core.Tests.Virtio;

/// <summary>
/// Guest memory for tests: a byte array where IOVA = offset. Ranges can be made to fail with a chosen
/// status (for reads, writes or both), payload can be fenced, and every access is counted.
/// </summary>
internal sealed class TestDmaSpace : IDmaSpace, ITranslationPrefetch
{
    private readonly List<Failure> _failures = [];

    public TestDmaSpace(int size = 1 << 20) => Memory = new byte[size];

    public byte[] Memory { get; }

    /// <summary>Every Payload access returns <see cref="DmaStatus.Fenced"/>, as with STE.EATS=0.</summary>
    public bool FencePayload { get; set; }

    public int ControlAccesses { get; private set; }
    public int PayloadAccesses { get; private set; }

    /// <summary>When set, every prefetch, read and write in order ("prefetch", "read", "write"; address, length, kind).</summary>
    public List<(string Op, ulong Address, ulong Length, AccessKind Kind)>? Log { get; set; }

    public void Prefetch(ulong address, ulong length, AccessKind kind) => Log?.Add(("prefetch", address, length, kind));

    /// <summary>Runs after every successful write (address, length): lets a test play the driver mid-access.</summary>
    public Action<ulong, int>? AfterWrite { get; set; }

    /// <summary>Accesses touching [start, start + length) fail with <paramref name="status"/>: the next <paramref name="times"/> of them, or all.</summary>
    public void Fail(ulong start, ulong length, DmaStatus status = DmaStatus.Fault, AccessKind kind = AccessKind.ReadWrite, int? times = null) =>
        _failures.Add(new Failure(start, length, kind, status, times));

    public DmaStatus Read(ulong address, Span<byte> destination, DmaPurpose purpose)
    {
        Log?.Add(("read", address, (ulong)destination.Length, AccessKind.Read));
        var status = Check(address, destination.Length, AccessKind.Read, purpose);
        if (status == DmaStatus.Ok)
        {
            Memory.AsSpan((int)address, destination.Length).CopyTo(destination);
        }

        return status;
    }

    public DmaStatus Write(ulong address, ReadOnlySpan<byte> source, DmaPurpose purpose)
    {
        Log?.Add(("write", address, (ulong)source.Length, AccessKind.Write));
        var status = Check(address, source.Length, AccessKind.Write, purpose);
        if (status == DmaStatus.Ok)
        {
            source.CopyTo(Memory.AsSpan((int)address, source.Length));
            AfterWrite?.Invoke(address, source.Length);
        }
        return status;
    }

    private DmaStatus Check(ulong address, int length, AccessKind kind, DmaPurpose purpose)
    {
        if (purpose == DmaPurpose.Control)
        {
            ControlAccesses++;
        }
        else
        {
            PayloadAccesses++;
        }

        if (purpose == DmaPurpose.Payload && FencePayload)
        {
            return DmaStatus.Fenced;
        }

        foreach (var f in _failures)
        {
            if ((f.Kind & kind) != 0 && address < f.Start + f.Length && f.Start < address + (ulong)Math.Max(length, 1) && f.Times is null or > 0)
            {
                f.Times--;
                return f.Status;
            }
        }
        if (address > (ulong)Memory.Length || (ulong)length > (ulong)Memory.Length - address)
        {
            return DmaStatus.Fault;
        }

        return DmaStatus.Ok;
    }

    private sealed class Failure(ulong start, ulong length, AccessKind kind, DmaStatus status, int? times)
    {
        public ulong Start { get; } = start;
        public ulong Length { get; } = length;
        public AccessKind Kind { get; } = kind;
        public DmaStatus Status { get; } = status;
        public int? Times { get; set; } = times;
    }
}
