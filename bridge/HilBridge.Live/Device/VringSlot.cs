using HilBridge.Core.Virtio;
using HilBridge.VhostUser.Protocol;
using HilBridge.VhostUser.Transport;

namespace HilBridge.Live.Device;

/// <summary>One vring as vhost-user configures it, and the queue built from it once it is started.</summary>
internal sealed class VringSlot(uint index)
{
    public uint Index { get; } = index;
    public uint Size { get; set; }
    public uint Base { get; set; }
    public VringAddress? Address { get; set; }
    public EventFd? Kick { get; set; }
    public EventFd? Call { get; set; }
    public bool Started { get; set; }
    public bool Enabled { get; set; }
    public SplitVirtqueue? Queue { get; set; }

    /// <summary>This ring's part of the inflight area, when the front-end gave one.</summary>
    public InflightQueue? Inflight { get; set; }

    /// <summary>Set when the queue was (re)built: before serving it, see what a previous back-end left in flight.</summary>
    public bool ResumePending { get; set; }

    /// <summary>The queue worker failed on this ring (a bug): it is not served until the ring is built again.</summary>
    public bool Broken { get; set; }

    /// <summary>Set when the ring must be looked at without a kick (just started: the guest may have kicked before).</summary>
    public bool PendingScan { get; set; }

    public void ReplaceKick(EventFd? kick)
    {
        Kick?.Dispose();
        Kick = kick;
    }

    public void ReplaceCall(EventFd? call)
    {
        Call?.Dispose();
        Call = call;
    }

    /// <summary>Back to the state after a device reset: fds closed, queue gone.</summary>
    public void Reset()
    {
        ReplaceKick(null);
        ReplaceCall(null);
        Started = false;
        Enabled = false;
        Queue = null;
        Broken = false;
        Inflight = null;
        ResumePending = false;
        Address = null;
        Size = 0;
        Base = 0;
        PendingScan = false;
    }
}
