using Microsoft.Extensions.Configuration;

namespace HilBridge.Live.Hosting;

/// <summary>
/// The composition root's configuration sources, lowest priority first: defaults the caller computes
/// (e.g. a time-stamped output folder), then the environment (HILBRIDGE_ variables, with the prefix
/// stripped and "__" for ":", e.g. HILBRIDGE_RUN__QEMU__BINARY is Run:Qemu:Binary; XDG_RUNTIME_DIR is
/// RuntimeRoot), then command-line flags mapped to keys. The only place hilbridge reads environment variables.
/// </summary>
public static class HilBridgeConfiguration
{
    public const string EnvironmentPrefix = "HILBRIDGE_";

    public static IConfigurationBuilder AddHilBridgeSources(this IConfigurationBuilder builder,
        IEnumerable<KeyValuePair<string, string?>>? defaults = null, IEnumerable<KeyValuePair<string, string?>>? flags = null)
    {
        if (defaults is not null)
        {
            builder.AddInMemoryCollection(defaults);
        }

        if (Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") is { Length: > 0 } xdg)
        {
            builder.AddInMemoryCollection([new(nameof(HostPathsOptions.RuntimeRoot), xdg)]);
        }

        builder.AddEnvironmentVariables(EnvironmentPrefix);
        if (flags is not null)
        {
            builder.AddInMemoryCollection(flags);
        }

        return builder;
    }
}
