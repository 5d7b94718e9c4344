using HilBridge.Live.Device;
using Microsoft.Extensions.Options;

namespace HilBridge.Live.Hosting;

/// <summary>`hilbridge serve`: the socket the bridge listens on and its device. Bound from the "Serve" section.</summary>
public sealed class ServeOptions
{
    public const string Section = "Serve";

    /// <summary>The vhost-user socket (created 0600); made absolute when bound.</summary>
    public string Socket { get; set; } = "";

    public BridgeOptions Bridge { get; set; } = new();
}

/// <summary>Rejects a serve configuration that could not start, before the socket is made.</summary>
public sealed class ServeOptionsValidator : IValidateOptions<ServeOptions>
{
    /// <summary>sockaddr_un's sun_path is 108 bytes with its NUL.</summary>
    private const int MaxSocketPathBytes = 107;

    public ValidateOptionsResult Validate(string? name, ServeOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Socket))
        {
            failures.Add("--socket (Serve:Socket) is required");
        }
        else if (System.Text.Encoding.UTF8.GetByteCount(Path.GetFullPath(options.Socket)) is var bytes and > MaxSocketPathBytes)
        {
            failures.Add($"--socket {options.Socket}: the full path is {bytes} bytes and a UNIX socket's path holds at most {MaxSocketPathBytes}; choose a shorter one");
        }

        if (string.IsNullOrWhiteSpace(options.Bridge.DiskImage))
        {
            failures.Add("--disk (Serve:Bridge:DiskImage) is empty");
        }
        else if (Directory.Exists(options.Bridge.DiskImage))
        {
            failures.Add($"--disk {options.Bridge.DiskImage} is a directory; give the image file's path");
        }

        if (options.Bridge.DiskSizeBytes <= 0)
        {
            failures.Add($"--disk-size must be positive (Serve:Bridge:DiskSizeBytes is {options.Bridge.DiskSizeBytes})");
        }

        if (options.Bridge.ValidateConnectionLimits("Serve:Bridge:") is { } limits)
        {
            failures.Add(limits);
        }

        if (options.Bridge.QueueCount < 1)
        {
            failures.Add("Serve:Bridge:QueueCount must be at least 1");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
