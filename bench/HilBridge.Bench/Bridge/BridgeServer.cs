using System.Globalization;
using System.Text.Json;
using HilBridge.Live.Device;
using Microsoft.Extensions.Logging;

namespace HilBridge.Bench.Bridge;

/// <summary>
/// The product's <see cref="VhostBlkBridge"/> in a process of its own (as `hilbridge serve` runs it),
/// with a line protocol on stdin/stdout so the benchmark can read the runtime's allocation and GC
/// counters around exactly the measured window:
/// <code>
///   -> listening SOCKET              once the socket is bound
///   &lt;- mark                          -> mark allocated=B gen0=N gen1=N gen2=N pause_us=U
///   &lt;- stats                         -> stats {BridgeStatistics as JSON}
///   &lt;- types                         -> types T=samples ... (with --alloc-types: sampled allocations by type)
///   &lt;- EOF                           the process exits
/// </code>
/// Allocation is process-wide (GC.GetTotalAllocatedBytes(precise)) minus this loop's own thread (it
/// reads commands and formats answers inside the window), so a window counts the bridge's threads only.
/// </summary>
internal static class BridgeServer
{
    public static int Run(string socket, string disk, int diskMiB, bool sampleTypes, TextReader input, TextWriter output)
    {
        using var sampler = sampleTypes ? new AllocationSampler() : null;
        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true)
            .AddFilter((_, level) => level >= LogLevel.Warning));
        var options = new BridgeOptions { DiskImage = Path.GetFullPath(disk), DiskSizeBytes = (long)diskMiB << 20 };
        using var bridge = new VhostBlkBridge(options, loggers, TimeProvider.System);
        bridge.Start(Path.GetFullPath(socket));
        output.WriteLine("listening " + bridge.SocketPath);
        output.Flush();
        while (input.ReadLine() is { } line)
        {
            switch (line.Trim())
            {
                case "mark":
                    output.WriteLine(Mark());
                    break;
                case "types":
                    output.WriteLine("types " + (sampler?.Describe() ?? "(start with --alloc-types)"));
                    break;
                case "stats":
                    output.WriteLine("stats " + HilBridge.Scenarios.Json.ResultJson.Serialize(bridge.Statistics(), indented: false));
                    break;
                default:
                    output.WriteLine("error unknown command");
                    break;
            }
            output.Flush();
        }
        return 0;
    }

    private static string Mark()
    {
        // The bridge never runs on this thread, so what it allocated is the harness's, not the bridge's.
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - GC.GetAllocatedBytesForCurrentThread();
        int gen0 = GC.CollectionCount(0), gen1 = GC.CollectionCount(1), gen2 = GC.CollectionCount(2);
        var pause = GC.GetTotalPauseDuration();
        return string.Create(CultureInfo.InvariantCulture,
            $"mark allocated={allocated} gen0={gen0} gen1={gen1} gen2={gen2} pause_us={(long)pause.TotalMicroseconds}");
    }
}
