using HilBridge.Core.Blk;

namespace HilBridge.Fuzz.Targets.Chains;

/// <summary>A disk in memory that records any access outside it (the device must check ranges before touching the medium).</summary>
internal sealed class CheckedBlockStore(int sectors) : IBlockStore
{
    private readonly byte[] _data = new byte[sectors * 512];

    public List<string> Problems { get; } = [];

    public long Length => _data.Length;

    public bool TryRead(long offset, Span<byte> destination)
    {
        if (!InRange(offset, destination.Length, "read"))
        {
            return false;
        }

        _data.AsSpan((int)offset, destination.Length).CopyTo(destination);
        return true;
    }

    public bool TryWrite(long offset, ReadOnlySpan<byte> source)
    {
        if (!InRange(offset, source.Length, "write"))
        {
            return false;
        }

        source.CopyTo(_data.AsSpan((int)offset, source.Length));
        return true;
    }

    public bool TryFlush() => true;

    private bool InRange(long offset, int length, string what)
    {
        if (offset >= 0 && length >= 0 && offset <= _data.Length - length)
        {
            return true;
        }

        Problems.Add($"store {what} of {length} bytes at offset {offset} is outside the {_data.Length}-byte disk");
        return false;
    }
}
