using System.Diagnostics;
using HilBridge.Control.Tests.TestSupport;

namespace HilBridge.Control.Tests.Cli;

/// <summary>`hilbridge completion bash` in a real bash: the function asks hilbridge and completes commands and option values.</summary>
public sealed class CompletionTests
{
    [Theory]
    [InlineData("hilbridge sc", "scenario")]
    [InlineData("hilbridge trace dump --kind r", "run-end")]
    [InlineData("hilbridge replay --fail-on", "--fail-on-difference")]
    public async Task BashCompletion_PartialWord_CompletesIt(string line, string expected)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "hilbridge.dll");
        using var script = await Hilbridge.RunAsync(TimeSpan.FromSeconds(60), "completion", "bash");
        Assert.True(script.ExitCode == 0, script.Describe());
        using var dir = new TempDirectory();
        var completion = dir.File("hilbridge.bash", script.Stdout);
        var words = line.Split(' ');
        // bash arrays: the words as the shell split them, the cursor at the end of the line.
        var bash = $"hilbridge() {{ dotnet '{dll}' \"$@\"; }}; source '{completion}'; COMP_LINE='{line}'; COMP_POINT={line.Length}; "
            + $"COMP_WORDS=({string.Join(' ', words.Select(w => $"'{w}'"))}); COMP_CWORD={words.Length - 1}; _hilbridge; printf '%s\\n' \"${{COMPREPLY[@]}}\"";
        var start = new ProcessStartInfo("bash", ["-c", bash]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.Contains(expected, output.Split('\n'));
    }
}
