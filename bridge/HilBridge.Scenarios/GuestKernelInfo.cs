namespace HilBridge.Scenarios;

/// <summary>
/// The kernel a run booted: its release (uname -r), where it came from (stable, unstable, build, file,
/// custom) and the detail that tells two of the same source apart (package and version, or the source
/// version and patches of a built one).
/// </summary>
public sealed record GuestKernelInfo(string Release, string Source, string? Detail = null)
{
    /// <summary>"7.2.13+deb14-arm64 (unstable: linux-image-7.2.13+deb14-arm64 7.2.13-1)".</summary>
    public override string ToString() => $"{Release} ({Source}{(string.IsNullOrEmpty(Detail) ? "" : ": " + Detail)})";
}
