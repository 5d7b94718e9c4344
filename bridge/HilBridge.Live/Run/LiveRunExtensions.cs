using Microsoft.Extensions.Logging;

namespace HilBridge.Live.Run;

/// <summary>The started extensions of one run; a failed start is recorded in the context, not thrown.</summary>
internal sealed class LiveRunExtensions : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _started = [];
    private bool _disposed;

    public static async Task<LiveRunExtensions> StartAsync(IEnumerable<ILiveRunExtension> extensions, LiveRunContext context, ILogger logger, CancellationToken ct)
    {
        var set = new LiveRunExtensions();
        foreach (var extension in extensions)
        {
            try
            {
                set._started.Add(await extension.StartAsync(context, ct));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "{Extension} did not start", extension.GetType().Name);
                context.Fail($"{extension.GetType().Name} did not start: {ex.Message}");
                break;
            }
        }
        return set;
    }

    /// <summary>Stops them in reverse order of start; idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        for (var i = _started.Count - 1; i >= 0; i--)
        {
            await _started[i].DisposeAsync();
        }
    }
}
