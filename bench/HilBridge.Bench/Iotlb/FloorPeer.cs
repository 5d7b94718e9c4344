using HilBridge.Bench.Processes;

namespace HilBridge.Bench.Iotlb;

/// <summary>bench/iotlb/pingpong.c: one recv and one send per message, the least any back-end can cost.</summary>
internal sealed class FloorPeer(string binary) : IotlbPeer
{
    public override string Name => "floor";

    public override string Description => "C UNIX-socket ping-pong, 44-byte request / 20-byte reply";

    public override bool Raw => true;

    public override void Start()
    {
        Process = ChildProcess.Start(Name, binary, [Socket], LogPath, logStdout: true, cpus: Cpus);
        WaitForSocket(Socket, Process, TimeSpan.FromSeconds(10));
    }
}
