using HilBridge.Core.Atc;
using HilBridge.Core.Dma;
using HilBridge.Core.Engine;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace HilBridge.Scenarios;

/// <summary>Reads scenario YAML and validates every field, naming the file and field in each error.</summary>
public static class ScenarioLoader
{
    private static readonly IDeserializer Yaml = new DeserializerBuilder()
        .WithNamingConvention(CamelCaseNamingConvention.Instance)
        .Build();

    public static Scenario Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ScenarioException($"{path}: {ex.Message}", ex);
        }
        try
        {
            return Parse(text, Path.GetFileNameWithoutExtension(path), path);
        }
        catch (ScenarioException ex)
        {
            throw new ScenarioException($"{path}: {ex.Message}", ex);
        }
    }

    public static Scenario Parse(string yaml, string fallbackName, string? sourcePath = null)
    {
        var file = Complete(Deserialize<ScenarioFile>(yaml) ?? new ScenarioFile());
        var engine = new EngineOptions
        {
            InvalidationTimeout = ScenarioValues.ParseTimeout(file.Engine.Timeout),
            // With guest-visible ATS the timeout is the SMMU's: hardware completes the CMD_SYNC with an error, it fences nothing.
            FencePolicy = ParseEnum<FencePolicy>(file.Engine.FencePolicy, file.GuestVisibleAts ? FencePolicy.Hope : FencePolicy.Fence, "engine.fencePolicy"),
            FenceMode = ParseEnum<FenceMode>(file.Engine.FenceMode, FenceMode.BlockTranslated, "engine.fenceMode"),
            Seed = file.Engine.Seed ?? 1,
            Policy = BuildPolicy(file.Rules),
        };
        var expectations = file.Expect.Select(p => Expectation.Parse(p.Key, p.Value)).ToList();
        if (!file.GuestVisibleAts && (file.Qemu.Binary ?? file.Qemu.Firmware ?? file.Qemu.AtsTimeout) is not null)
        {
            throw new ScenarioException("the qemu: section applies only with guestVisibleAts: true");
        }

        var iommu = IommuKind.SmmuV3;
        if (file.Iommu is not null && !IommuNames.TryParse(file.Iommu, out iommu))
        {
            throw new ScenarioException($"iommu: '{file.Iommu}' is not {IommuNames.Choices}");
        }

        return new Scenario(file.Name ?? fallbackName, file.Description, engine, WorkloadArguments(file.Workload),
            TimeSpan.FromSeconds(file.TimeoutSeconds ?? 300), expectations, sourcePath)
        {
            Control = file.Control.Select((c, i) => BuildControlAction(c, $"control[{i}]")).ToList(),
            GuestVisibleAts = file.GuestVisibleAts,
            EngineKeysStated = StatedEngineKeysOf(file.Engine),
            GuestKernel = string.IsNullOrWhiteSpace(file.GuestKernel) ? null : file.GuestKernel.Trim(),
            Iommu = iommu,
            QemuBinary = file.Qemu.Binary,
            Firmware = file.Qemu.Firmware,
            SmmuAtcTimeout = file.Qemu.AtsTimeout is { } ats ? ScenarioValues.ParseDuration(ats, "qemu.atsTimeout") : null,
        };
    }

    private static StatedEngineKeys StatedEngineKeysOf(ScenarioFile.EngineSection e) =>
        (e.Timeout is null ? 0 : StatedEngineKeys.Timeout)
        | (e.FencePolicy is null ? 0 : StatedEngineKeys.FencePolicy)
        | (e.FenceMode is null ? 0 : StatedEngineKeys.FenceMode)
        | (e.Seed is null ? 0 : StatedEngineKeys.Seed);

    /// <summary>
    /// A fault policy from YAML: a list of rules as in a scenario's `rules:` section, or a whole
    /// scenario file (its `rules:` are taken). For `hilbridge ctl set-policy`.
    /// </summary>
    public static FaultPolicy ParseRules(string yaml)
    {
        bool sequence;
        try
        {
            sequence = RootIsSequence(yaml);
        }
        catch (Exception ex) when (ex is YamlException or InvalidOperationException or ArgumentException)
        {
            throw NotYaml(ex, yaml);
        }

        return sequence
            ? BuildPolicy(Deserialize<List<ScenarioFile.RuleSection>>(yaml) ?? [])
            : BuildPolicy(Complete(Deserialize<ScenarioFile>(yaml) ?? new ScenarioFile()).Rules);
    }

    /// <summary>
    /// YamlDotNet reports most malformed input as YamlException, but some as InvalidOperationException
    /// (text after the document end, e.g. "...\0") or ArgumentException (a tag that is no URI, e.g.
    /// "!!+9"): found by coverage-guided fuzzing. All are the file's fault: a ScenarioException.
    /// </summary>
    private static T? Deserialize<T>(string yaml)
    {
        try
        {
            return Yaml.Deserialize<T>(yaml);
        }
        catch (Exception ex) when (ex is YamlException or InvalidOperationException or ArgumentException)
        {
            throw NotYaml(ex, yaml);
        }
    }

    private static ScenarioException NotYaml(Exception ex, string yaml) => ex is YamlException y
        ? ScenarioYamlErrors.Translate(y, yaml)
        : new ScenarioException($"not valid YAML: {ex.Message}", ex);

    /// <summary>
    /// A section written but left empty ("rules:", "engine: ~") is the section's default, as if absent;
    /// an empty item of a list ("rules: [~]") or an expectation without a condition is an error.
    /// </summary>
    private static ScenarioFile Complete(ScenarioFile file)
    {
        file.Engine ??= new ScenarioFile.EngineSection();
        file.Rules ??= [];
        file.Workload ??= new ScenarioFile.WorkloadSection();
        file.Qemu ??= new ScenarioFile.QemuSection();
        file.Expect ??= [];
        file.Control ??= [];
        RefuseEmptyItems(file.Rules, "rules");
        RefuseEmptyItems(file.Control, "control");
        foreach (var control in file.Control)
        {
            if (control.SetPolicy is { } policy)
            {
                RefuseEmptyItems(policy, "control.setPolicy");
            }
        }

        return file;
    }

    private static void RefuseEmptyItems<T>(List<T> items, string section) where T : class
    {
        var empty = items.FindIndex(i => i is null);
        if (empty >= 0)
        {
            throw new ScenarioException($"{section}[{empty}] is empty");
        }
    }

    private static bool RootIsSequence(string yaml)
    {
        var parser = new YamlDotNet.Core.Parser(new StringReader(yaml));
        while (parser.MoveNext())
        {
            if (parser.Current is YamlDotNet.Core.Events.SequenceStart)
            {
                return true;
            }

            if (parser.Current is YamlDotNet.Core.Events.MappingStart or YamlDotNet.Core.Events.Scalar)
            {
                return false;
            }
        }
        return false;
    }

    private static ControlAction BuildControlAction(ScenarioFile.ControlSection c, string at)
    {
        var when = ControlTrigger.Parse(c.When, at + ".when");
        var delay = c.Delay is null ? TimeSpan.Zero : ScenarioValues.ParseDuration(c.Delay, at + ".delay");
        var name = c.Name ?? at;
        var set = (c.SetPolicy is null ? 0 : 1) + (c.Fence is null ? 0 : 1) + (c.Unfence is null ? 0 : 1);
        if (set != 1)
        {
            throw new ScenarioException($"{at}: needs exactly one of setPolicy (a list of rules, [] for none), fence or unfence");
        }

        if (c.SetPolicy is { } rules)
        {
            try
            {
                return new ControlAction(name, when, delay, ControlActionKind.SetPolicy, Policy: BuildPolicy(rules));
            }
            catch (ScenarioException ex)
            {
                throw new ScenarioException($"{at}.setPolicy.{ex.Message}", ex);
            }
        }
        return c.Fence is { } fence
            ? new ControlAction(name, when, delay, ControlActionKind.Fence, Reason: NonEmpty(fence, $"control action {name}"))
            : new ControlAction(name, when, delay, ControlActionKind.Unfence, Reason: NonEmpty(c.Unfence!, $"control action {name}"));
    }

    private static string NonEmpty(string text, string fallback) => string.IsNullOrWhiteSpace(text) ? fallback : text;

    private static FaultPolicy BuildPolicy(List<ScenarioFile.RuleSection> rules)
    {
        RefuseEmptyItems(rules, "rules");
        var built = rules.Select((r, i) => BuildRule(r, $"rules[{i}]")).ToArray();
        try
        {
            return new FaultPolicy(built);
        }
        catch (ArgumentException ex)
        {
            throw new ScenarioException("rules: " + ex.Message);
        }
    }

    private static FaultRule BuildRule(ScenarioFile.RuleSection r, string at)
    {
        IovaRange? iova = null;
        if (r.IovaStart is not null || r.IovaSize is not null)
        {
            if (r.IovaStart is null || r.IovaSize is null)
            {
                throw new ScenarioException($"{at}: iovaStart and iovaSize go together");
            }

            iova = IovaRange.FromSize(ScenarioValues.ParseAddress(r.IovaStart, at + ".iovaStart"), ScenarioValues.ParseAddress(r.IovaSize, at + ".iovaSize"));
        }
        StragglerSpec? stragglers = null;
        if (r.Stragglers is { } s)
        {
            if (s.Count < 0 || s.Count > StragglerSpec.MaxCount)
            {
                throw new ScenarioException($"{at}.stragglers.count: {s.Count} is outside 0..{StragglerSpec.MaxCount}");
            }

            var kind = ParseEnum<AccessKind>(s.Kind, AccessKind.Write, at + ".stragglers.kind");
            var target = ParseEnum<StragglerTarget>(s.Target, StragglerTarget.Any, at + ".stragglers.target");
            stragglers = new StragglerSpec(s.Count, ScenarioValues.ParseDistribution(s.After, at + ".stragglers.after"), kind, s.Bytes, target);
        }
        return new FaultRule
        {
            Name = r.Name ?? at,
            StreamId = r.StreamId,
            Iova = iova,
            From = r.From is null ? null : ScenarioValues.ParseDuration(r.From, at + ".from"),
            Until = r.Until is null ? null : ScenarioValues.ParseDuration(r.Until, at + ".until"),
            EveryNth = r.EveryNth,
            Probability = r.Probability,
            Limit = r.Limit,
            Outcome = ParseEnum<FaultOutcome>(r.Outcome, FaultOutcome.Complete, at + ".outcome"),
            Delay = ScenarioValues.ParseDistribution(r.Delay, at + ".delay"),
            Stragglers = stragglers,
        };
    }

    private static string WorkloadArguments(ScenarioFile.WorkloadSection w)
    {
        var mode = w.Mode ?? "verify";
        if (mode is not ("verify" or "recovery"))
        {
            throw new ScenarioException($"workload.mode: '{mode}' is not verify or recovery");
        }

        var args = $"hb.mode={mode} hb.rounds={w.Rounds ?? 2} hb.blocks={w.Blocks ?? 256}";
        if (w.Pause is { } pause)
        {
            args += " hb.pause=" + pause.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (w.Witness is { } witness)
        {
            if (witness is < 0 or > 600)
            {
                throw new ScenarioException($"workload.witness: {witness} is outside 0..600 seconds");
            }

            args += " hb.witness=" + witness.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (w.Reset == true)
        {
            args += " hb.reset=1";
        }

        return args;
    }

    /// <summary>Enum names in kebab or camel case: "block-translated" = BlockTranslated.</summary>
    private static T ParseEnum<T>(string? text, T fallback, string field) where T : struct, Enum
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        var name = text.Replace("-", "").Replace("_", "");
        return Enum.TryParse<T>(name, ignoreCase: true, out var value) && Enum.IsDefined(value)
            ? value
            : throw new ScenarioException($"{field}: '{text}' is not one of {string.Join(", ", Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))}");
    }
}
