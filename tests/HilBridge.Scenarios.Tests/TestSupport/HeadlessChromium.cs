using System.Diagnostics;
using System.Text.RegularExpressions;

namespace HilBridge.Scenarios.Tests.TestSupport;

/// <summary>
/// Renders a page in Debian's headless Chromium (installed by tests/install-chromium.sh, which tests/test.sh
/// runs) and returns the DOM after its scripts ran. A missing browser fails the test with that hint: a
/// report nobody rendered is not tested.
/// </summary>
public static class HeadlessChromium
{
    public static string Binary => new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("chromium is not installed: run tests/install-chromium.sh (tests/test.sh does)");

    /// <summary>The DOM after load and scripts (--dump-dom).</summary>
    public static string DumpDom(string htmlPath) => Run("--dump-dom", new Uri(htmlPath).AbsoluteUri);

    /// <summary>A PNG of the page, for a person to look at.</summary>
    public static void Screenshot(string htmlPath, string pngPath, int width = 1300, int height = 1400) =>
        Run($"--screenshot={pngPath}", $"--window-size={width},{height}", new Uri(htmlPath).AbsoluteUri);

    /// <summary>How many elements carry all of <paramref name="classes"/> in their class attribute.</summary>
    public static int CountClass(string dom, params string[] classes) =>
        Regex.Matches(dom, "class=\"([^\"]*)\"").Count(m => classes.All(c => m.Groups[1].Value.Split(' ').Contains(c)));

    private static string Run(params string[] args)
    {
        // --no-sandbox: the tests run as root in CI; the page is our own file, offline.
        var start = new ProcessStartInfo(Binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var profile = Directory.CreateTempSubdirectory("hb-chromium-").FullName;
        foreach (var a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=" + profile }.Concat(args))
        {
            start.ArgumentList.Add(a);
        }

        try
        {
            return Run(start);
        }
        finally
        {
            Directory.Delete(profile, recursive: true);
        }
    }

    private static string Run(ProcessStartInfo start)
    {
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("chromium did not finish within 2 minutes");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"chromium exited with {process.ExitCode}: {stderr.Result}");
        }

        return stdout.Result;
    }
}
