using HilBridge.Core.Blk;
using Microsoft.Win32.SafeHandles;

namespace HilBridge.Live.Device;

/// <summary>A disk image file as the device's medium; positional I/O so queues need no shared file position.</summary>
public sealed class FileBlockStore : IBlockStore, IDisposable
{
    private readonly SafeFileHandle _handle;

    public FileBlockStore(string path, long createLength)
    {
        var exists = File.Exists(path);
        _handle = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        if (!exists || RandomAccess.GetLength(_handle) == 0)
        {
            RandomAccess.SetLength(_handle, createLength);
        }

        Length = RandomAccess.GetLength(_handle) / 512 * 512;
    }

    public long Length { get; }

    public bool TryRead(long offset, Span<byte> destination)
    {
        try
        {
            var done = 0;
            while (done < destination.Length)
            {
                var n = RandomAccess.Read(_handle, destination[done..], offset + done);
                if (n <= 0)
                {
                    destination[done..].Clear(); // sparse tail past EOF reads as zeros
                    break;
                }
                done += n;
            }
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    public bool TryWrite(long offset, ReadOnlySpan<byte> source)
    {
        try
        {
            RandomAccess.Write(_handle, source, offset);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    public bool TryFlush()
    {
        try
        {
            RandomAccess.FlushToDisk(_handle);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    public void Dispose() => _handle.Dispose();
}
