using HilBridge.Fuzz;

namespace HilBridge.Reliability.Tests.Fuzz;

/// <summary>Every input that once broke an oracle (tests/HilBridge.Fuzz/corpus) must not break one again.</summary>
public sealed class CorpusRegressionTests(ITestOutputHelper output)
{
    public static TheoryData<string> Targets() => new(FuzzTargets.Names);

    [Theory]
    [MemberData(nameof(Targets))]
    public void Replay_KeptInputs_NoLongerBreakAnything(string name)
    {
        var entries = Corpus.Load(Corpus.FindDirectory(), name);
        using var target = FuzzTargets.Create(name);

        var failures = entries
            .Select(e => (File: Path.GetFileName(e.Path), Finding: FuzzRunner.Replay(target, e.Input)))
            .Where(r => r.Finding is not null)
            .Select(r => $"{r.File}: {r.Finding!.Problem}")
            .ToList();

        output.WriteLine($"{entries.Count} kept inputs for {name}");
        Assert.Empty(failures);
    }

    [Fact]
    public void Corpus_FindingsOfThePast_AreKept()
    {
        // The bugs fuzzing found: a straggler through a completed translation (engine) and unmappable
        // memory tables reported as back-end crashes (device). Their inputs must stay replayed.
        var directory = Corpus.FindDirectory();
        Assert.NotEmpty(Corpus.Load(directory, "iotlb"));
        Assert.NotEmpty(Corpus.Load(directory, "session"));
    }
}
