using HilBridge.Live.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace HilBridge.Cli;

/// <summary>
/// The generic host every command runs in: logging to stderr so stdout stays the command's output, and
/// configuration from defaults, HILBRIDGE_ environment variables and the command's flags (highest).
/// </summary>
internal static class CliHost
{
    public static HostApplicationBuilder CreateBuilder(bool verbose, ConfigurationFlags? flags = null, IDictionary<string, string?>? defaults = null)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddHilBridgeSources(defaults, flags?.Values);
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; });
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.AddFilter((category, level) => level >= (verbose ? LogLevel.Trace : LogLevel.Warning));
        if (!verbose)
        {
            // The host logs a failed start with its stack trace; the command reports the same failure in one line.
            builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);
        }
        return builder;
    }

    /// <summary>`hilbridge CMD: message` on stderr and the usage exit code.</summary>
    public static int Usage(string command, string message)
    {
        Console.Error.WriteLine($"hilbridge {command}: {message}");
        return (int)ExitCode.Usage;
    }

    /// <summary>
    /// Binds and validates every option registered with ValidateOnStart, as the host's start would, but
    /// before it: a bad value is a usage error (exit code, message) and nothing has started or logged.
    /// </summary>
    public static int? Validate(IHost host, string command)
    {
        try
        {
            host.Services.GetService<IStartupValidator>()?.Validate();
            return null;
        }
        catch (OptionsValidationException ex)
        {
            return Usage(command, string.Join("; ", ex.Failures));
        }
        catch (InvalidOperationException ex) when (ex.TargetSite?.DeclaringType == typeof(ConfigurationBinder))
        {
            // A value that does not convert, e.g. HILBRIDGE_RUN__QEMU__CPUS=two: the binder names key and .NET type.
            return Usage(command, ConfigurationMessages.ConversionFailed(ex.Message));
        }
        catch (AggregateException ex) when (ex.InnerExceptions.All(e => e is OptionsValidationException))
        {
            return Usage(command, string.Join("; ", ex.InnerExceptions.Cast<OptionsValidationException>().SelectMany(e => e.Failures)));
        }
    }
}
