using HilBridge.Fuzz;

// The fixed-seed fuzz run: N cases in all (default one million), shared out over the targets by
// FuzzTargets.Weights, seed S. Prints one line per target; exit 0 only if nothing was found.
//   dotnet run -c Release --project tests/HilBridge.Fuzz -- [--cases 1000000] [--seed 1] [--target a,b] [--save] [--replay]
// --save writes new findings to tests/HilBridge.Fuzz/corpus/<target>/; --replay runs the corpus instead;
// --show SEED prints one case of the first target and what it breaks.
var cases = 1_000_000L;
var seed = 1UL;
var targets = FuzzTargets.Names.ToList();
var save = false;
var replay = false;
ulong? show = null;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--cases": cases = long.Parse(args[++i]); break;
        case "--seed": seed = ulong.Parse(args[++i]); break;
        case "--target": targets = args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries).ToList(); break;
        case "--save": save = true; break;
        case "--replay": replay = true; break;
        case "--show": show = ulong.Parse(args[++i]); break;
        default:
            Console.Error.WriteLine($"unknown argument {args[i]}; usage: [--cases N] [--seed S] [--target {string.Join(",", FuzzTargets.Names)}] [--save] [--replay] [--show SEED]");
            return 2;
    }
}

if (show is { } one)
{
    // One case of the first target: its input, and what it breaks (saved to the corpus with --save).
    using var target = FuzzTargets.Create(targets[0]);
    Console.WriteLine(target.Serialize(target.Generate(one)));
    var finding = FuzzRunner.RunOne(target, one);
    Console.WriteLine(finding?.Problem ?? "no finding");
    if (finding is not null && save)
    {
        Console.WriteLine($"saved {Corpus.Save(Corpus.FindDirectory(), finding)}");
    }

    return finding is null ? 0 : 1;
}

var failed = false;
var plan = FuzzTargets.Plan(cases, targets);
var started = System.Diagnostics.Stopwatch.StartNew();
Console.WriteLine($"fuzz run: seed {seed}, {plan.Sum(p => p.Cases)} cases: {string.Join(", ", plan.Select(p => $"{p.Target} {p.Cases}"))}");
foreach (var (name, targetCases) in plan)
{
    using var target = FuzzTargets.Create(name);
    if (replay)
    {
        var entries = Corpus.Load(Corpus.FindDirectory(), name);
        var broken = entries.Select(e => (e, FuzzRunner.Replay(target, e.Input))).Where(p => p.Item2 is not null).ToList();
        Console.WriteLine($"{name,-8} corpus: {entries.Count} inputs, {broken.Count} still failing");
        foreach (var (entry, finding) in broken)
        {
            Console.WriteLine($"  {Path.GetFileName(entry.Path)}: {finding!.Problem}");
        }

        failed |= broken.Count > 0;
        continue;
    }
    var report = FuzzRunner.Run(target, seed, targetCases, progress: line => Console.Error.WriteLine(line));
    Console.WriteLine(report);
    foreach (var finding in report.Findings)
    {
        Console.WriteLine($"  seed {finding.Seed}: {finding.Problem}");
        if (save)
        {
            Console.WriteLine($"    saved {Corpus.Save(Corpus.FindDirectory(), finding)}");
        }
    }
    failed |= report.Findings.Count > 0;
}
if (!replay)
{
    Console.WriteLine($"{(failed ? "FINDINGS" : "no findings")} after {started.Elapsed.TotalSeconds:F0} s");
}

return failed ? 1 : 0;
