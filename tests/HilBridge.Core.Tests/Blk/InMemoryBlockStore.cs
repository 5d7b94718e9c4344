using HilBridge.Core.Blk;

namespace HilBridge.Core.Tests.Blk;

/// <summary>A disk in an array, with injectable failures and counters. An access outside the disk throws: the device must never issue one.</summary>
internal sealed class InMemoryBlockStore : IBlockStore
{
    public InMemoryBlockStore(int sectors)
    {
        Data = new byte[sectors * 512];
        for (var i = 0; i < Data.Length; i++)
        {
            Data[i] = (byte)(i * 7 + i / 512);
        }
    }

    public byte[] Data { get; }
    public long Length => Data.Length;

    public bool FailReads { get; set; }
    public bool FailWrites { get; set; }
    public bool FailFlush { get; set; }

    public int Reads { get; private set; }
    public int Writes { get; private set; }
    public int Flushes { get; private set; }
    public int Accesses => Reads + Writes + Flushes;

    public bool TryRead(long offset, Span<byte> destination)
    {
        Reads++;
        CheckBounds(offset, destination.Length);
        if (FailReads)
        {
            return false;
        }

        Data.AsSpan((int)offset, destination.Length).CopyTo(destination);
        return true;
    }

    public bool TryWrite(long offset, ReadOnlySpan<byte> source)
    {
        Writes++;
        CheckBounds(offset, source.Length);
        if (FailWrites)
        {
            return false;
        }

        source.CopyTo(Data.AsSpan((int)offset, source.Length));
        return true;
    }

    public bool TryFlush()
    {
        Flushes++;
        return !FailFlush;
    }

    private void CheckBounds(long offset, int length)
    {
        if (offset < 0 || offset + length > Data.Length)
        {
            throw new InvalidOperationException($"store access outside the disk: offset {offset} length {length}");
        }
    }
}
