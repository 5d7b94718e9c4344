namespace HilBridge.Live.Device;

/// <summary>Device-side counters, updated by the queue worker and read by anyone (Interlocked).</summary>
internal sealed class DeviceCounters
{
    public long Requests;
    public long RequestErrors;
    public long BadChains;
    // Requests published without their status byte: the guest reads whatever the byte held before.
    public long StatusUnwritten;
    public long BytesRead;
    public long BytesWritten;
    public long Notifications;
    public long Sessions;
    public long DeviceStarts;
    public long QueueFaults;
    public long Resubmitted;
    public long InFlight;
    public long WorkerFaults;
    // Stragglers performed as DMA (VhostBlkDevice.Stragglers): bytes moved, and those that fell outside guest memory.
    public long StragglerBytesWritten;
    public long StragglerBytesRead;
    public long StragglerFaults;
}
