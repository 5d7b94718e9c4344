using System.Diagnostics;
using HilBridge.Control.Tests.TestSupport;

namespace HilBridge.Control.Tests.Cli;

/// <summary>
/// `hilbridge completion bash|zsh|fish` in the real shells (tests/test.sh installs zsh and fish): the script asks
/// hilbridge and completes commands and option values.
/// </summary>
public sealed class CompletionTests
{
    [Theory]
    [InlineData("hilbridge sc", "scenario")]
    [InlineData("hilbridge trace dump --kind r", "run-end")]
    [InlineData("hilbridge replay --fail-on", "--fail-on-difference")]
    public async Task BashCompletion_PartialWord_CompletesIt(string line, string expected)
    {
        var words = line.Split(' ');
        // bash arrays: the words as the shell split them, the cursor at the end of the line.
        var output = await Shell("bash", script => $"hilbridge() {{ dotnet '{Dll}' \"$@\"; }}; source '{script}'; COMP_LINE='{line}'; COMP_POINT={line.Length}; "
            + $"COMP_WORDS=({string.Join(' ', words.Select(w => $"'{w}'"))}); COMP_CWORD={words.Length - 1}; _hilbridge; printf '%s\\n' \"${{COMPREPLY[@]}}\"");

        Assert.Contains(expected, output.Split('\n'));
    }

    [Theory]
    [InlineData("hilbridge sc", "scenario")]
    [InlineData("hilbridge trace dump --kind r", "run-end")]
    public async Task ZshCompletion_PartialWord_CompletesIt(string line, string expected)
    {
        // Outside zle, BUFFER and CURSOR are plain variables: set them as the line editor would, call the function.
        var output = await Shell("zsh", script => $"hilbridge() {{ dotnet '{Dll}' \"$@\"; }}; source '{script}'; BUFFER='{line}'; CURSOR={line.Length}; _hilbridge; print -l -- \"${{reply[@]}}\"");

        Assert.Contains(expected, output.Split('\n'));
    }

    [Theory]
    [InlineData("hilbridge sc", "scenario")]
    [InlineData("hilbridge trace dump --kind r", "run-end")]
    public async Task FishCompletion_PartialWord_CompletesIt(string line, string expected)
    {
        // `complete -C LINE` asks fish what it would offer at the end of LINE.
        var output = await Shell("fish", script => $"function hilbridge; dotnet '{Dll}' $argv; end; source '{script}'; complete -C '{line}'");

        // fish prints "word<TAB>description".
        Assert.Contains(expected, output.Split('\n').Select(l => l.Split('\t')[0]));
    }

    private static string Dll => Path.Combine(AppContext.BaseDirectory, "hilbridge.dll");

    private static async Task<string> Shell(string shell, Func<string, string> program)
    {
        using var script = await Hilbridge.RunAsync(TimeSpan.FromSeconds(60), "completion", shell);
        Assert.True(script.ExitCode == 0, script.Describe());
        using var dir = new TempDirectory();
        var file = dir.File("hilbridge." + shell, script.Stdout);
        var start = new ProcessStartInfo(shell, ["-c", program(file)]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{shell} exited {process.ExitCode}: {await stderr}");
        return output;
    }
}
