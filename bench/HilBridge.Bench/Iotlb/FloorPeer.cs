using HilBridge.Bench.Processes;

namespace HilBridge.Bench.Iotlb;

/// <summary>
/// bench/iotlb/pingpong.c: one recv and one send per message, the least any back-end can cost (the floor);
/// with <paramref name="batched"/> ("floor-batch"), one recv for whatever is queued and one send for all their
/// replies: the least a back-end that reads queued messages together and answers them together can cost.
/// </summary>
internal sealed class FloorPeer(string binary, bool batched = false) : IotlbPeer
{
    public override string Name => batched ? "floor-batch" : "floor";

    public override string Description => batched
        ? "C UNIX-socket ping-pong, one recv for all queued 44-byte requests, one send for their 20-byte replies"
        : "C UNIX-socket ping-pong, one recv per 44-byte request, one send per 20-byte reply";

    public override bool Raw => true;

    public override void Start()
    {
        Process = ChildProcess.Start(Name, binary, batched ? ["--batch", Socket] : [Socket], LogPath, logStdout: true, cpus: Cpus);
        WaitForSocket(Socket, Process, TimeSpan.FromSeconds(10));
    }
}
