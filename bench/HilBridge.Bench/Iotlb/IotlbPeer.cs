using HilBridge.Bench.Processes;

namespace HilBridge.Bench.Iotlb;

/// <summary>One back-end of the invalidation benchmark, started once and measured in every round.</summary>
internal abstract class IotlbPeer : IDisposable
{
    protected ChildProcess? Process;

    /// <summary>Short name used in files and tables: floor, dpdk, hilbridge.</summary>
    public abstract string Name { get; }

    public abstract string Description { get; }

    public required string Socket { get; init; }

    public required string LogPath { get; init; }

    /// <summary>CPUs the peer is pinned to (taskset list), or null to let the scheduler place it.</summary>
    public string? Cpus { get; init; }

    /// <summary>No vhost-user handshake (the ping-pong floor).</summary>
    public virtual bool Raw => false;

    /// <summary>Virtqueues the harness sets up: one for blk, a rx/tx pair for net.</summary>
    public virtual int Rings => 1;

    public abstract void Start();

    /// <summary>The running peer's process id (its CPU time is the benchmark's own, not foreign load).</summary>
    public int? ProcessId => Process?.Id;

    /// <summary>Called right before the harness measures; the bridge reads its GC counters here.</summary>
    public virtual void BeginWindow()
    {
    }

    /// <summary>Called right after; returns the window's allocation figures where the peer can tell.</summary>
    public virtual AllocationWindow? EndWindow() => null;

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

/// <summary>GC figures of the bridge process over one measured window.</summary>
public sealed record AllocationWindow(long AllocatedBytes, int Gen0, int Gen1, int Gen2, long PauseMicroseconds);
