using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace HilBridge.Cli;

/// <summary>The generic host every command runs in: logging to stderr so stdout stays the command's output.</summary>
internal static class CliHost
{
    public static HostApplicationBuilder CreateBuilder(bool verbose)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; });
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.AddFilter((category, level) => level >= (verbose ? LogLevel.Trace : LogLevel.Warning));
        return builder;
    }
}
