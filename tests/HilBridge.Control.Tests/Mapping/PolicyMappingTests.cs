using Google.Protobuf.WellKnownTypes;
using HilBridge.Control.Mapping;
using HilBridge.Core.Atc;
using HilBridge.Core.Dma;
using HilBridge.Core.Engine;
using HilBridge.Scenarios;
using Proto = HilBridge.Control.V1;

namespace HilBridge.Control.Tests.Mapping;

public class PolicyMappingTests
{
    private static FaultPolicy Everything() => new(
        new FaultRule
        {
            Name = "scoped",
            StreamId = 0x100,
            Iova = new IovaRange(0x1000, 0x1fff),
            From = TimeSpan.FromSeconds(2),
            Until = TimeSpan.FromMilliseconds(7500),
            EveryNth = 7,
            Probability = 0.25,
            Limit = 3,
            Outcome = FaultOutcome.Refuse,
            Delay = Distribution.Uniform(0.001, 0.02),
            Stragglers = new StragglerSpec(2, Distribution.Fixed(1.1), AccessKind.Read, 128),
        },
        new FaultRule { Name = "lost", Outcome = FaultOutcome.Drop, Delay = Distribution.Exponential(0.002) },
        new FaultRule { Name = "slow", Delay = Distribution.LogNormal(-6.5, 0.75) },
        new FaultRule { Name = "plain" });

    [Fact]
    public void RoundTrip_EveryField_SamePolicy()
    {
        var policy = Everything();

        var back = PolicyMapping.FromProto(PolicyMapping.ToProto(policy));

        Assert.Equal(policy.Rules, back.Rules);
    }

    [Fact]
    public void RoundTrip_ScenarioRules_SamePolicy()
    {
        // The shipped scenarios' rules, as ctl set-policy --file would send them.
        var root = TestSupport.Hilbridge.RepositoryRoot();
        foreach (var file in Directory.GetFiles(Path.Combine(root, "scenarios"), "*.yaml"))
        {
            var policy = ScenarioLoader.Load(file).Engine.Policy;
            Assert.Equal(policy.Rules, PolicyMapping.FromProto(PolicyMapping.ToProto(policy)).Rules);
        }
    }

    [Fact]
    public void ToProto_UnsetFields_AreAbsent()
    {
        var message = PolicyMapping.ToProto(new FaultPolicy(new FaultRule { Name = "plain" }));

        var rule = Assert.Single(message.Rules);
        Assert.False(rule.HasStreamId);
        Assert.False(rule.HasEveryNth);
        Assert.False(rule.HasProbability);
        Assert.False(rule.HasLimit);
        Assert.Null(rule.Iova);
        Assert.Null(rule.From);
        Assert.Null(rule.Delay);
        Assert.Null(rule.Stragglers);
        Assert.Equal(Proto.FaultOutcome.Complete, rule.Outcome);
    }

    [Fact]
    public void ToProto_Drop_StructuredFields()
    {
        var rule = PolicyMapping.ToProto(new FaultPolicy(new FaultRule { Name = "x", EveryNth = 20, Limit = 1, Outcome = FaultOutcome.Drop, Delay = Distribution.Fixed(0.02) })).Rules[0];

        Assert.Equal(20, rule.EveryNth);
        Assert.Equal(1, rule.Limit);
        Assert.Equal(Proto.FaultOutcome.Drop, rule.Outcome);
        Assert.Equal(TimeSpan.FromMilliseconds(20), rule.Delay.Fixed.ToTimeSpan());
    }

    [Fact]
    public void FromProto_Defaults_CompleteAt64ByteWriteStragglers()
    {
        var message = new Proto.Policy();
        message.Rules.Add(new Proto.FaultRule { Stragglers = new Proto.Stragglers { Count = 1 } });

        var rule = Assert.Single(PolicyMapping.FromProto(message).Rules);

        Assert.Equal("rules[0]", rule.Name);
        Assert.Equal(FaultOutcome.Complete, rule.Outcome);
        Assert.Equal(new StragglerSpec(1, Distribution.None, AccessKind.Write, PolicyMapping.DefaultStragglerBytes), rule.Stragglers);
    }

    [Fact]
    public void FromProto_Null_NoRules() => Assert.Empty(PolicyMapping.FromProto(null).Rules);

    public static TheoryData<Proto.FaultRule, string> InvalidRules => new()
    {
        { new Proto.FaultRule { EveryNth = 0 }, "rules[1]" },
        { new Proto.FaultRule { Probability = 1.5 }, "rules[1]" },
        { new Proto.FaultRule { Limit = -1 }, "rules[1]" },
        { new Proto.FaultRule { Iova = new Proto.IovaRange { First = 0x2000, Last = 0x1000 } }, "rules[1].iova" },
        { new Proto.FaultRule { From = Duration.FromTimeSpan(TimeSpan.FromSeconds(-1)) }, "rules[1].from" },
        { new Proto.FaultRule { Outcome = (Proto.FaultOutcome)42 }, "rules[1].outcome" },
        { new Proto.FaultRule { Delay = new Proto.Delay { Fixed = Duration.FromTimeSpan(TimeSpan.FromSeconds(-2)) } }, "rules[1].delay.fixed" },
        { new Proto.FaultRule { Delay = new Proto.Delay { Uniform = new Proto.UniformDelay { Min = Duration.FromTimeSpan(TimeSpan.FromSeconds(2)), Max = Duration.FromTimeSpan(TimeSpan.FromSeconds(1)) } } }, "rules[1].delay" },
        { new Proto.FaultRule { Delay = new Proto.Delay { Uniform = new Proto.UniformDelay { Max = Duration.FromTimeSpan(TimeSpan.FromSeconds(1)) } } }, "rules[1].delay.uniform.min" },
        { new Proto.FaultRule { Delay = new Proto.Delay { Fixed = new Duration { Seconds = 1, Nanos = 2_000_000_000 } } }, "rules[1].delay.fixed" },
        { new Proto.FaultRule { Stragglers = new Proto.Stragglers { Count = 5000 } }, "rules[1].stragglers.count" },
        { new Proto.FaultRule { Stragglers = new Proto.Stragglers { Count = 1, Kind = (Proto.AccessKind)9 } }, "rules[1].stragglers.kind" },
    };

    [Theory]
    [MemberData(nameof(InvalidRules))]
    public void FromProto_InvalidRule_ThrowsNamingTheField(Proto.FaultRule bad, string field)
    {
        var message = new Proto.Policy();
        message.Rules.Add(new Proto.FaultRule { Name = "fine" });
        message.Rules.Add(bad);

        var ex = Assert.Throws<PolicyMappingException>(() => PolicyMapping.FromProto(message));

        Assert.StartsWith(field, ex.Message);
    }
}
