using HilBridge.Live.Guest;
using HilBridge.Scenarios;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace HilBridge.Control.Regression;

/// <summary>Reads a suite file and expands its entries into cases, loading each scenario.</summary>
public static class SuiteLoader
{
    private static readonly IDeserializer Yaml = new DeserializerBuilder()
        .WithNamingConvention(CamelCaseNamingConvention.Instance)
        .Build();

    /// <param name="kernels">The kernel axis from the command line (--guest-kernel a,b, relative paths from the
    /// current folder); it replaces the suite's `kernels:`. Null or empty: the suite's.</param>
    /// <param name="kernelPatches">`--kernel-patches DIR`: every kernel built from source on the axis (and in the
    /// overrides) is built with DIR's patches instead, so one's own series takes the reference's place and expectations.</param>
    public static Suite Load(string path, IReadOnlyList<string>? kernels = null, string? kernelPatches = null)
    {
        var full = System.IO.Path.GetFullPath(path);
        SuiteFile file;
        try
        {
            file = Yaml.Deserialize<SuiteFile>(File.ReadAllText(full)) ?? new SuiteFile();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SuiteException($"{path}: {ex.Message}", ex);
        }
        catch (YamlException ex)
        {
            throw new SuiteException($"{path}: line {ex.Start.Line}: {ex.InnerException?.Message ?? ex.Message}", ex);
        }
        if (file.Scenarios.Count == 0)
        {
            throw new SuiteException($"{path}: scenarios: lists no scenario");
        }

        var name = file.Name ?? System.IO.Path.GetFileNameWithoutExtension(full);
        var root = System.IO.Path.GetDirectoryName(full)!;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var cases = new List<SuiteCase>();
        for (var i = 0; i < file.Scenarios.Count; i++)
        {
            var entry = file.Scenarios[i];
            var matches = Expand(root, entry);
            if (matches.Count == 0)
            {
                throw new SuiteException($"{path}: scenarios[{i}]: '{entry}' matches no scenario file");
            }

            foreach (var scenarioPath in matches.Where(seen.Add))
            {
                cases.Add(LoadCase(name, root, scenarioPath));
            }
        }
        var axis = kernels is { Count: > 0 }
            ? ParseKernels(kernels, Directory.GetCurrentDirectory(), "--guest-kernel")
            : ParseKernels(file.Kernels, root, $"{path}: kernels");
        if (kernelPatches is not null)
        {
            axis = axis.Select(k => k.Spec.WithPatches(kernelPatches) is { } patched
                ? new SuiteKernel("build" + (k.Spec.SourceVersion is null ? "" : "@" + k.Spec.SourceVersion) + ":" + kernelPatches, patched)
                : k).ToList();
        }

        if (axis.Count > 0)
        {
            cases = cases.SelectMany(c => axis.Select(k => c with { Kernel = k })).ToList();
        }

        cases = ApplyOverrides(file.Overrides, cases, root, path, kernelPatches);
        return new Suite(name, file.Description, full, cases);
    }

    /// <summary>Each override's expectations on the cases of its kernel (matched as resolved, so a path may be
    /// written either way) and scenario (by name); "any" drops the metric's expectation. An override that matches no case is an error: a typo would
    /// otherwise silently leave the stock expectations in place. Kernels the axis does not run are skipped.</summary>
    private static List<SuiteCase> ApplyOverrides(List<SuiteFile.ExpectOverride> overrides, List<SuiteCase> cases, string root, string path, string? kernelPatches)
    {
        for (var i = 0; i < overrides.Count; i++)
        {
            var o = overrides[i];
            var at = $"{path}: overrides[{i}]";
            if (string.IsNullOrWhiteSpace(o.Kernel) || string.IsNullOrWhiteSpace(o.Scenario) || o.Expect.Count == 0)
            {
                throw new SuiteException($"{at}: needs kernel:, scenario: and expect:");
            }

            if (!GuestKernelSpec.TryParse(o.Kernel, out var kernel, out var error, root))
            {
                throw new SuiteException($"{at}: {error}");
            }

            if (kernelPatches is not null && kernel.WithPatches(kernelPatches) is { } patched)
            {
                kernel = patched;
            }

            // "any" drops the scenario's expectation on that metric (e.g. the guest's witness when a kernel fails the round it ran in).
            var dropped = o.Expect.Where(p => p.Value.Trim() == "any").Select(p => p.Key).ToHashSet();
            List<Expectation> expect;
            try
            {
                expect = o.Expect.Where(p => !dropped.Contains(p.Key)).Select(p => Expectation.Parse(p.Key, p.Value)).ToList();
            }
            catch (ScenarioException ex)
            {
                throw new SuiteException($"{at}: {ex.Message}", ex);
            }
            var scenarios = cases.Where(c => c.Scenario?.Name == o.Scenario.Trim()).ToList();
            if (scenarios.Count == 0)
            {
                throw new SuiteException($"{at}: the suite has no scenario named '{o.Scenario.Trim()}'");
            }

            cases = cases.Select(c => c.Scenario is { } s && scenarios.Contains(c) && c.Kernel?.Spec.Value == kernel.Value
                ? c with { Scenario = s with { Expectations = Merge(s.Expectations.Where(e => !dropped.Contains(e.Metric)).ToList(), expect) } }
                : c).ToList();
        }
        return cases;
    }

    private static List<Expectation> Merge(IReadOnlyList<Expectation> stock, List<Expectation> overriding) =>
        stock.Where(e => !overriding.Any(o => o.Metric == e.Metric)).Concat(overriding).ToList();

    private static List<SuiteKernel> ParseKernels(IEnumerable<string> kernels, string baseDirectory, string where)
    {
        var axis = new List<SuiteKernel>();
        foreach (var text in kernels)
        {
            if (!GuestKernelSpec.TryParse(text, out var spec, out var error, baseDirectory))
            {
                throw new SuiteException($"{where}: {error}");
            }

            if (axis.Any(k => k.Spec.Value == spec.Value))
            {
                throw new SuiteException($"{where}: '{text.Trim()}' is listed twice");
            }

            axis.Add(new SuiteKernel(text.Trim(), spec));
        }
        return axis;
    }

    private static SuiteCase LoadCase(string suite, string root, string scenarioPath)
    {
        var relative = System.IO.Path.GetRelativePath(root, scenarioPath).Replace('\\', '/');
        try
        {
            return new SuiteCase(suite, relative, scenarioPath, ScenarioLoader.Load(scenarioPath), null);
        }
        catch (ScenarioException ex)
        {
            return new SuiteCase(suite, relative, scenarioPath, null, ex.Message);
        }
    }

    /// <summary>A file, a directory (its *.yaml and *.yml), or a glob in the last path segment; sorted for a stable order.</summary>
    internal static IReadOnlyList<string> Expand(string root, string entry)
    {
        var full = System.IO.Path.GetFullPath(System.IO.Path.Combine(root, entry.Trim()));
        if (File.Exists(full))
        {
            return [full];
        }

        if (Directory.Exists(full))
        {
            return Sorted(Directory.EnumerateFiles(full, "*.yaml").Concat(Directory.EnumerateFiles(full, "*.yml")));
        }

        var directory = System.IO.Path.GetDirectoryName(full);
        var pattern = System.IO.Path.GetFileName(full);
        if (directory is null || !Directory.Exists(directory) || pattern.IndexOfAny(['*', '?']) < 0)
        {
            return [];
        }

        return Sorted(Directory.EnumerateFiles(directory, pattern));
    }

    private static IReadOnlyList<string> Sorted(IEnumerable<string> files) =>
        files.Order(StringComparer.Ordinal).ToList();
}
