using HilBridge.Bench.Processes;

namespace HilBridge.Bench.Iotlb;

/// <summary>
/// DPDK's vhost-user library behind testpmd's net_vhost PMD (Debian's dpdk-dev, 22.11), with
/// iommu-support=1 so it offers ACCESS_PLATFORM and handles IOTLB messages. Interactive mode with
/// stdin held open and no `start`: no lcore busy-polls the queues, the vhost-events thread alone
/// answers the front-end, as it would for QEMU. It is a net device, so the harness sets up its rx/tx pair.
/// </summary>
internal sealed class DpdkPeer(string testpmd) : IotlbPeer
{
    public override string Name => "dpdk";

    public override string Description => "DPDK 22.11 vhost library (dpdk-testpmd, net_vhost, iommu-support=1)";

    public override int Rings => 2;

    public override void Start()
    {
        string[] args =
        [
            // Both lcores (and so the vhost-events control thread) may run on any CPU the peer may use, like every
            // other peer (EAL sets its threads' affinity itself, so a taskset alone would be overridden).
            "--lcores", $"0@({Cpus ?? "0,1"}),1@({Cpus ?? "0,1"})", "--no-huge", "-m", "512", "--no-pci", "--file-prefix", "hbbench" + Environment.ProcessId,
            "--vdev", $"net_vhost0,iface={Socket},queues=1,iommu-support=1",
            "--", "-i", "--total-num-mbufs=8192",
        ];
        Process = ChildProcess.Start(Name, testpmd, args, LogPath, logStdout: true, cpus: Cpus);
        WaitForSocket(Socket, Process, TimeSpan.FromSeconds(60));
    }
}
