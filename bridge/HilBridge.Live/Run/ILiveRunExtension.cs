namespace HilBridge.Live.Run;

/// <summary>
/// Something that lives alongside one live run, such as the gRPC control server or a scenario's
/// control actions: started once the bridge serves (before QEMU boots), disposed after QEMU is gone
/// and before the run is summarized. Host knows nothing of what it does (Control depends on Host).
/// </summary>
public interface ILiveRunExtension
{
    /// <summary>Starts; an exception aborts the run with its message. The result is disposed when the run ends.</summary>
    Task<IAsyncDisposable> StartAsync(LiveRunContext context, CancellationToken ct);
}
