using HilBridge.Core.Virtio;

namespace HilBridge.Core.Blk;

/// <summary>
/// The pieces of bytes [start, start + length) of one direction's stream: the concatenation of a
/// chain's device-readable (or device-writable) buffers. VERSION_1 implies ANY_LAYOUT, so header,
/// data and status byte may be split across descriptors anywhere; this is the one place that knows.
/// </summary>
internal struct ChainRange
{
    private readonly List<DescriptorSegment> _chain;
    private readonly bool _writable;
    private readonly ulong _end;
    private ulong _position;
    private ulong _segmentStart;
    private int _index;

    public ChainRange(List<DescriptorSegment> chain, bool writable, ulong start, ulong length)
    {
        _chain = chain;
        _writable = writable;
        _position = start;
        _end = start + length;
    }

    /// <summary>The next contiguous piece (IOVA and length); false once the range is covered or the chain ends.</summary>
    public bool TryNext(out ulong address, out ulong length)
    {
        while (_position < _end && _index < _chain.Count)
        {
            var segment = _chain[_index];
            if (segment.DeviceWritable != _writable)
            {
                _index++;
                continue;
            }
            var segmentEnd = _segmentStart + segment.Length;
            if (_position >= segmentEnd)
            {
                _segmentStart = segmentEnd;
                _index++;
                continue;
            }
            address = segment.Address + (_position - _segmentStart);
            length = Math.Min(segmentEnd, _end) - _position;
            _position += length;
            return true;
        }
        address = 0;
        length = 0;
        return false;
    }
}
