namespace HilBridge.Cli;

/// <summary>
/// A failure the user can act on: its message is printed as `hilbridge CMD: message` (no stack trace) and
/// the process exits with <see cref="Code"/>. Thrown by commands; caught once, in <see cref="CliErrors"/>.
/// </summary>
public class CliException(ExitCode code, string message, Exception? inner = null) : Exception(message, inner)
{
    public ExitCode Code { get; } = code;
}

/// <summary>A bad flag, argument, configuration value or input file; nothing was started (exit 2).</summary>
public sealed class UsageException(string message, Exception? inner = null) : CliException(ExitCode.Usage, message, inner);

/// <summary>A file, socket, QEMU or server that cannot be used as asked (exit 3).</summary>
public sealed class EnvironmentException(string message, Exception? inner = null) : CliException(ExitCode.Environment, message, inner);
