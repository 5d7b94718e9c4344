namespace HilBridge.Live.Qemu;

/// <summary>
/// Puts QEMU's end into words for a run's reason. .NET reports a process killed by signal N as exit
/// code 128 + N (the shell's convention), so a kill -9 reads "killed by signal 9 (SIGKILL)".
/// </summary>
public static class QemuExit
{
    public static string Describe(int exitCode)
    {
        if (exitCode > 128 && exitCode <= 128 + 64)
        {
            var signal = exitCode - 128;
            return $"QEMU was killed by signal {signal} ({Name(signal) ?? "exit status"}{(Name(signal) is null ? " " : "; exit status ")}{exitCode})";
        }
        return $"QEMU exited with code {exitCode}";
    }

    private static string? Name(int signal) => signal switch
    {
        1 => "SIGHUP",
        2 => "SIGINT",
        3 => "SIGQUIT",
        4 => "SIGILL",
        6 => "SIGABRT",
        7 => "SIGBUS",
        8 => "SIGFPE",
        9 => "SIGKILL",
        11 => "SIGSEGV",
        13 => "SIGPIPE",
        15 => "SIGTERM",
        _ => null,
    };
}
