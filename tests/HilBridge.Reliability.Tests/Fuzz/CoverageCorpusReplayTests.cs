using HilBridge.Fuzz;
using HilBridge.Fuzz.Bytes;

namespace HilBridge.Reliability.Tests.Fuzz;

/// <summary>
/// The coverage-guided campaigns' minimized corpus (tests/HilBridge.Fuzz/coverage-corpus/TARGET, written
/// by tests/fuzz/run.sh TARGET MINUTES --minimize), replayed through the same ByteTargets functions the
/// campaign ran under AFL++, without AFL: every input that reached new code once must still pass every
/// oracle. Crashes a campaign found are kept there too, after their fix.
/// </summary>
public sealed class CoverageCorpusReplayTests(ITestOutputHelper output)
{
    public static TheoryData<string> Targets() => new(ByteTargets.Names);

    [Theory]
    [MemberData(nameof(Targets))]
    public void Replay_CampaignCorpus_PassesEveryOracle(string name)
    {
        var folder = Path.Combine(Path.GetDirectoryName(Corpus.FindDirectory())!, "coverage-corpus", name);
        var files = Directory.Exists(folder) ? Directory.GetFiles(folder).Order(StringComparer.Ordinal).ToList() : [];
        var failures = new List<string>();
        foreach (var file in files)
        {
            try
            {
                ByteTargets.Run(name, File.ReadAllBytes(file));
            }
            catch (Exception e)
            {
                failures.Add($"{Path.GetFileName(file)}: {e.GetType().Name}: {e.Message}");
            }
        }

        output.WriteLine($"{files.Count} corpus inputs for {name}");
        Assert.NotEmpty(files);
        Assert.Empty(failures);
    }
}
