using System.Text;
using HilBridge.Fuzz.Targets.Codec;
using HilBridge.Scenarios;
using HilBridge.Traces.Format;
using HilBridge.Traces.Replay;

namespace HilBridge.Fuzz.Bytes;

/// <summary>An oracle broke on a byte-level input: the coverage-guided fuzzer sees it as a crash.</summary>
public sealed class ByteFindingException(string target, string problem) : Exception($"{target}: {problem}")
{
    public string Problem { get; } = problem;
}

/// <summary>
/// The byte-level surfaces, each a function of one input buffer, for a coverage-guided fuzzer
/// (tests/fuzz/run.sh: AFL++ through SharpFuzz) and for the test suite, which replays the committed
/// corpus (tests/HilBridge.Fuzz/coverage-corpus/TARGET/) through the very same functions.
/// A function returns when every oracle held and throws <see cref="ByteFindingException"/> (or lets
/// an unexpected exception escape) otherwise.
/// <para>
/// Two kinds: the raw ones hand the bytes to the parser a peer reaches (vhost-user payload decoders,
/// the ATS port's framing and dispatch, the trace reader and replayer, the scenario loader); the
/// structured ones let the bytes make the choices of the seeded targets' generators
/// (<see cref="FuzzRandom.FromBytes"/>) and keep their oracles (session, memtable, chains, iotlb).
/// </para>
/// </summary>
public static class ByteTargets
{
    public static IReadOnlyList<string> Names { get; } = ["codec", "atsport", "trace", "scenario", "memtable", "chains", "iotlb", "session"];

    private static readonly Dictionary<string, IFuzzTarget> Structured = [];

    /// <summary>Runs <paramref name="input"/> through target <paramref name="name"/>.</summary>
    public static void Run(string name, ReadOnlySpan<byte> input)
    {
        switch (name)
        {
            case "codec":
                RunCodec(input);
                break;
            case "atsport":
                AtsPortBytes.Run(input);
                break;
            case "trace":
                RunTrace(input);
                break;
            case "scenario":
                RunScenario(input);
                break;
            case "memtable" or "chains" or "iotlb" or "session":
                RunStructured(name, input);
                break;
            default:
                throw new ArgumentException($"unknown byte target '{name}' (known: {string.Join(", ", Names)})", nameof(name));
        }
    }

    /// <summary>First byte: which decoder; the rest: its payload. The codec target's oracles (typed refusal, re-encoding).</summary>
    private static void RunCodec(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty)
        {
            return;
        }

        var decoder = CodecTarget.DecoderNames[input[0] % CodecTarget.DecoderNames.Count];
        using var target = new CodecTarget();
        if (target.Execute(new CodecCase(decoder, Convert.ToHexString(input[1..]))) is { } problem)
        {
            throw new ByteFindingException("codec", problem);
        }
    }

    /// <summary>
    /// A .hbt file as `hilbridge trace stats` / `replay` meet it: opening refuses it with
    /// <see cref="TraceFormatException"/> or it opens; then every record reads without an exception
    /// (problems are a status), and the replay completes with a result whatever the records say.
    /// </summary>
    private static void RunTrace(ReadOnlySpan<byte> input)
    {
        TraceReader reader;
        try
        {
            reader = new TraceReader(new MemoryStream(input.ToArray(), writable: false));
        }
        catch (TraceFormatException e) when (!string.IsNullOrWhiteSpace(e.Message))
        {
            return;
        }

        using (reader)
        {
            var records = 0L;
            while (reader.TryRead(out _))
            {
                records++;
            }

            if (reader.Status == TraceReadStatus.Reading)
            {
                throw new ByteFindingException("trace", "TryRead returned false while still reading");
            }

            if (reader.Status != TraceReadStatus.Complete && string.IsNullOrWhiteSpace(reader.Problem))
            {
                throw new ByteFindingException("trace", $"stopped {reader.Status} without saying why");
            }
        }

        using var again = new TraceReader(new MemoryStream(input.ToArray(), writable: false));
        _ = TraceReplayer.Run(again);
    }

    /// <summary>Scenario YAML: loads, or is refused with <see cref="ScenarioException"/> and a message.</summary>
    private static void RunScenario(ReadOnlySpan<byte> input)
    {
        string yaml;
        try
        {
            yaml = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(input);
        }
        catch (DecoderFallbackException)
        {
            return; // not text: File.ReadAllText would have replaced the bytes; the loader never sees them
        }

        try
        {
            _ = ScenarioLoader.Parse(yaml, "fuzz");
        }
        catch (ScenarioException e) when (!string.IsNullOrWhiteSpace(e.Message))
        {
        }
    }

    private static void RunStructured(string name, ReadOnlySpan<byte> input)
    {
        IFuzzTarget target;
        lock (Structured)
        {
            if (!Structured.TryGetValue(name, out target!))
            {
                target = FuzzTargets.Create(name);
                Structured[name] = target;
            }
        }

        var random = FuzzRandom.FromBytes(input);
        object testCase;
        try
        {
            testCase = target.Generate(random);
        }
        catch (Exception e)
        {
            // The generators are written for random draws; one that cannot cope with a choice is not the bridge's bug.
            throw new InvalidOperationException($"{name} generator failed on this input", e);
        }

        if (FuzzRunner.Check(target, 0, testCase) is { } finding)
        {
            throw new ByteFindingException(name, finding.Problem);
        }
    }
}
