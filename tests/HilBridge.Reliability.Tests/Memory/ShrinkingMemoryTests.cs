using System.Collections.Concurrent;
using HilBridge.Fuzz.Driver;
using HilBridge.Reliability.Tests.TestSupport;
using HilBridge.VhostUser.Transport;

namespace HilBridge.Reliability.Tests.Memory;

/// <summary>
/// A front-end that shrinks its guest memory after SET_MEM_TABLE, against the real bridge process
/// (`hilbridge serve` as a child, so a SIGBUS that aborts it is seen, not hidden in a test host).
/// </summary>
public sealed class ShrinkingMemoryTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hb-shrink-").FullName;
    private readonly ConcurrentQueue<string> _log = new();

    [Fact]
    public async Task Serve_FrontendTruncatesMemoryAfterTableAndKicks_TableRefusedProcessLivesNextSessionCorrect()
    {
        var socket = Path.Combine(_dir, "vhost.sock");
        using var serve = await ServeProcess.StartAsync(socket, Path.Combine(_dir, "disk.img"), Log, "--no-control");

        // The hostile front-end: unsealed memfd, full handshake, a write request on the ring, then
        // ftruncate(0x2000) (descriptors and avail ring stay, the request header and data go) and a kick.
        var refused = false;
        try
        {
            using var hostile = BlkDriver.Connect(socket, sealMemory: false);
            hostile.Submit(0, 1, 0, 4096, new byte[4096], kick: false);
            hostile.TruncateMemory(0x2000);
            hostile.Kick.Signal();
            // Never WaitAll here: the used ring is past the truncation, reading it would SIGBUS this test.
            await Task.Delay(2000);
        }
        catch (InvalidOperationException e) when (e.Message.Contains("SET_MEM_TABLE", StringComparison.Ordinal))
        {
            refused = true;
        }

        // The child's log line comes through its stdout pipe, on its own schedule (200 ms was a race under
        // load): waited for, with a bound that only catches a bridge that never logs the refusal.
        var logged = await Poll.UntilAsync(() => _log.Any(line => line.Contains("not sealed against shrinking", StringComparison.Ordinal)) || serve.HasExited, TimeSpan.FromSeconds(30));
        Assert.False(serve.HasExited, $"the bridge process died (exit code {(serve.HasExited ? serve.ExitCode : 0)}) when a front-end shrank its memory");
        Assert.True(refused, "the bridge accepted guest memory that can shrink");
        Assert.True(logged, "the refusal was not logged: no \"not sealed against shrinking\"");

        // The next front-end (sealed memory, as QEMU's memfd backend) is served correctly.
        using var driver = BlkDriver.Connect(socket);
        var data = Enumerable.Range(0, 8192).Select(i => (byte)(i * 7)).ToArray();
        Assert.True(driver.WriteSectors(8, data));
        Assert.Equal(data, driver.ReadSectors(8, data.Length));
        Assert.False(serve.HasExited);
    }

    [Fact]
    public void SealedMemory_FrontendTriesToShrinkIt_KernelRefuses()
    {
        // What makes the check sufficient: a seal cannot be lifted, so the memory a table was accepted with stays.
        using var memfd = SharedMemory.CreateMemfd("sealed", 0x10000);

        var e = Assert.Throws<VhostUserTransportException>(() => SharedMemory.Resize(memfd, 0x2000));

        Assert.Contains("ftruncate", e.Message, StringComparison.Ordinal);
    }


    private void Log(string line)
    {
        _log.Enqueue(line);
        try
        {
            output.WriteLine(line);
        }
        catch (InvalidOperationException)
        {
            // The test already ended; the child still prints while it is killed.
        }
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
