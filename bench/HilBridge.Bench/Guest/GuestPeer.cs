using HilBridge.Bench.Processes;

namespace HilBridge.Bench.Guest;

/// <summary>A vhost-user-blk back-end serving one guest boot, on a fresh disk image.</summary>
internal abstract class GuestPeer : IDisposable
{
    protected ChildProcess? Process;

    public abstract string Name { get; }

    public abstract string Description { get; }

    public abstract void Start(string socket, string disk, int diskMiB, string logPath);

    /// <summary>The back-end's own counters after the boot, as JSON, where it has any.</summary>
    public virtual string? Statistics() => null;

    public void Dispose() => Process?.Dispose();

    protected static void WaitForSocket(string path, ChildProcess process, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!File.Exists(path))
        {
            if (process.HasExited)
            {
                throw new BenchException($"{process.Name} exited before creating {path} (see its log)");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new BenchException($"{process.Name} did not create {path} within {timeout.TotalSeconds:F0} s");
            }

            Thread.Sleep(50);
        }
    }
}

/// <summary>qemu-storage-daemon's vhost-user-blk export (QEMU's own C back-end; no ACCESS_PLATFORM).</summary>
internal sealed class QsdPeer(string binary) : GuestPeer
{
    public override string Name => "qsd";

    public override string Description => "qemu-storage-daemon vhost-user-blk export (raw file, host page cache)";

    public override void Start(string socket, string disk, int diskMiB, string logPath)
    {
        using (var f = File.Create(disk))
        {
            f.SetLength((long)diskMiB << 20);
        }

        string[] args =
        [
            "--blockdev", $"driver=file,node-name=file0,filename={disk},cache.direct=off",
            "--blockdev", "driver=raw,node-name=disk0,file=file0",
            "--export", $"type=vhost-user-blk,id=e0,node-name=disk0,addr.type=unix,addr.path={socket},writable=on,num-queues=1",
        ];
        Process = ChildProcess.Start(Name, binary, args, logPath, logStdout: true);
        WaitForSocket(socket, Process, TimeSpan.FromSeconds(30));
    }
}

/// <summary>The bridge in a child process (bench `bridge`), on a fresh sparse image like the daemon's.</summary>
internal sealed class HilBridgeGuestPeer : GuestPeer
{
    public override string Name => "hilbridge";

    public override string Description => "HilBridge VhostBlkBridge (.NET " + Environment.Version + ", separate process)";

    public override void Start(string socket, string disk, int diskMiB, string logPath)
    {
        File.Delete(disk);
        var (file, args) = SelfCommand.For("bridge", "--socket", socket, "--disk", disk, "--disk-size", diskMiB.ToString());
        Process = ChildProcess.Start(Name, file, args, logPath);
        Process.ReadLineStartingWith("listening", TimeSpan.FromSeconds(60));
    }

    public override string? Statistics()
    {
        Process!.WriteLine("stats");
        return Process.ReadLineStartingWith("stats ", TimeSpan.FromSeconds(10))["stats ".Length..];
    }
}
