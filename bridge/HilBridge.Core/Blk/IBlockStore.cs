namespace HilBridge.Core.Blk;

/// <summary>The medium behind the virtio-blk device (a disk image file in the host; an array in tests).</summary>
public interface IBlockStore
{
    /// <summary>Capacity in bytes (a multiple of 512).</summary>
    long Length { get; }

    /// <summary>Reads exactly destination.Length bytes at offset; false on an I/O error.</summary>
    bool TryRead(long offset, Span<byte> destination);

    /// <summary>Writes all of source at offset; false on an I/O error.</summary>
    bool TryWrite(long offset, ReadOnlySpan<byte> source);

    /// <summary>Makes previous writes durable; false on an I/O error.</summary>
    bool TryFlush();
}
