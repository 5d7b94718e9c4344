using HilBridge.Live.Hosting;
using Microsoft.Extensions.Logging;

namespace HilBridge.Live.Guest;

/// <summary>Where a run gets the default guest when the user brings no kernel of their own.</summary>
public interface IGuestImageSource
{
    Task<GuestImage> EnsureAsync(CancellationToken ct);
}

/// <summary>The default guest built (and cached) by the repository's qemu-scripts/setup.sh.</summary>
public sealed class SetupScriptGuestImageSource(RepositoryLayout layout, ILogger<SetupScriptGuestImageSource> logger) : IGuestImageSource
{
    public Task<GuestImage> EnsureAsync(CancellationToken ct) =>
        GuestImageProvider.EnsureAsync(layout.FindScriptsDirectory(), line => logger.LogInformation("setup: {Line}", line), ct);
}
