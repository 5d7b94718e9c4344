using HilBridge.Core.Virtio;

namespace HilBridge.Core.Blk;

/// <summary>
/// The byte counts of a chain in each direction and where its status byte is: the last byte of the
/// device-writable stream (zero-length buffers skipped, as QEMU's iov_discard_back does).
/// </summary>
internal readonly record struct ChainShape(ulong Readable, ulong Writable, ulong StatusAddress)
{
    public bool HasStatus => Writable > 0;

    public static ChainShape Of(List<DescriptorSegment> chain)
    {
        ulong readable = 0, writable = 0, status = 0;
        foreach (var segment in chain)
        {
            if (!segment.DeviceWritable)
            {
                readable += segment.Length;
            }
            else if (segment.Length > 0)
            {
                writable += segment.Length;
                status = segment.Address + segment.Length - 1;
            }
        }
        return new ChainShape(readable, writable, status);
    }
}
