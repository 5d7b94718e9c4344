using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace HilBridge.Fuzz;

/// <summary>One kept input: what it broke once, and the case itself.</summary>
public sealed record CorpusEntry(string Path, string Target, string Problem, string Input);

/// <summary>
/// Inputs that once broke an oracle, kept under tests/HilBridge.Fuzz/corpus/&lt;target&gt;/ and replayed by
/// the test suite as regression tests. Each file is <c>{ "target", "seed", "problem", "input" }</c>,
/// named by a hash of the problem's signature so the same bug is kept once.
/// </summary>
public static class Corpus
{
    /// <summary>The corpus folder of the source tree, found above the current or the program's directory.</summary>
    public static string FindDirectory()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = System.IO.Path.Combine(dir.FullName, "tests", "HilBridge.Fuzz", "corpus");
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }
        }
        throw new DirectoryNotFoundException("tests/HilBridge.Fuzz/corpus not found above the current directory");
    }

    public static IReadOnlyList<CorpusEntry> Load(string directory, string target)
    {
        var folder = System.IO.Path.Combine(directory, target);
        if (!Directory.Exists(folder))
        {
            return [];
        }

        return Directory.GetFiles(folder, "*.json").Order(StringComparer.Ordinal).Select(path =>
        {
            var node = JsonNode.Parse(File.ReadAllText(path)) ?? throw new JsonException($"{path} is empty");
            return new CorpusEntry(path, target, node["problem"]?.GetValue<string>() ?? "", node["input"]?.ToJsonString() ?? throw new JsonException($"{path} has no input"));
        }).ToList();
    }

    /// <summary>Writes the finding unless one with the same signature is kept already; returns the file.</summary>
    public static string Save(string directory, Finding finding)
    {
        var folder = System.IO.Path.Combine(directory, finding.Target);
        Directory.CreateDirectory(folder);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(finding.Signature)))[..12];
        var path = System.IO.Path.Combine(folder, hash + ".json");
        if (File.Exists(path))
        {
            return path;
        }

        var node = new JsonObject
        {
            ["target"] = finding.Target,
            ["seed"] = finding.Seed,
            ["problem"] = finding.Problem,
            ["input"] = JsonNode.Parse(finding.Input),
        };
        File.WriteAllText(path, node.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        return path;
    }
}
