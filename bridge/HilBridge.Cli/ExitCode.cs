namespace HilBridge.Cli;

/// <summary>
/// Every exit code of `hilbridge` (README, "Exit codes"). Scripts and CI branch on them: add codes, never
/// renumber. A command returns one of these or throws a <see cref="CliException"/>; <see cref="CliErrors"/>
/// turns everything else into one line and a code.
/// </summary>
public enum ExitCode
{
    /// <summary>Done as asked; a run's or replay's verdict passed.</summary>
    Ok = 0,

    /// <summary>It ran and the answer is no: a verdict failed, a replay diverged, a what-if differs (--fail-on-difference), the control plane refused the call.</summary>
    Failed = 1,

    /// <summary>The command line, a configuration value or an input file is wrong; nothing was started.</summary>
    Usage = 2,

    /// <summary>The machine stopped it: a path or socket that cannot be used, QEMU or the guest failed, the control server is unreachable, a trace is corrupt.</summary>
    Environment = 3,

    /// <summary>A wait ended before what it waited for (ctl events --count).</summary>
    Incomplete = 4,

    /// <summary>A bug in hilbridge: an exception nobody expected (-v prints where; please report it).</summary>
    Internal = 70,

    /// <summary>Interrupted by Ctrl-C (SIGINT), as shells report 128 + 2.</summary>
    Interrupted = 130,
}
