using HilBridge.Fuzz.Bytes;
using SharpFuzz;

// Under AFL++ (tests/fuzz/run.sh): `dotnet HilBridge.Fuzz.Coverage.dll TARGET` serves AFL's inputs
// in one process (SharpFuzz's persistent loop); an exception escaping ByteTargets.Run is a crash.
// Without AFL: `... TARGET FILE...` runs the given inputs once and says which failed (triage);
// `... seeds TARGET DIR REPO` writes the campaign's starting inputs.
if (args.Length > 1)
{
    // Outside Fuzzer.Run the instrumented assemblies still record their branches: give them a map.
    unsafe
    {
        SharpFuzz.Common.Trace.SharedMem = (byte*)System.Runtime.InteropServices.NativeMemory.AllocZeroed(1 << 16);
    }
}

if (args is ["seeds", var seedTarget, var seedDir, var repo])
{
    Directory.CreateDirectory(seedDir);
    foreach (var (name, bytes) in ByteSeeds.For(seedTarget, repo))
    {
        File.WriteAllBytes(Path.Combine(seedDir, name), bytes);
    }

    return 0;
}

if (args.Length == 0 || !ByteTargets.Names.Contains(args[0]))
{
    Console.Error.WriteLine($"usage: HilBridge.Fuzz.Coverage TARGET [FILE...]  (targets: {string.Join(", ", ByteTargets.Names)})");
    return 2;
}

var target = args[0];
if (args.Length > 1)
{
    var failed = 0;
    foreach (var file in args.Skip(1))
    {
        try
        {
            ByteTargets.Run(target, File.ReadAllBytes(file));
        }
        catch (Exception e)
        {
            failed++;
            Console.WriteLine($"{file}: {e.GetType().Name}: {e.Message}");
            Console.WriteLine(e.StackTrace);
        }
    }
    Console.WriteLine($"{args.Length - 1 - failed} passed, {failed} failed");
    return failed == 0 ? 0 : 1;
}

Fuzzer.Run(stream =>
{
    using var copy = new MemoryStream();
    stream.CopyTo(copy);
    ByteTargets.Run(target, copy.GetBuffer().AsSpan(0, (int)copy.Length));
});
return 0;
