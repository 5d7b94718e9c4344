using HilBridge.Core.Engine;
using HilBridge.Scenarios;

namespace HilBridge.Control.Tests.Scenarios;

public class ControlSectionTests
{
    [Fact]
    public void Parse_ControlSection_BuildsActions()
    {
        var scenario = ScenarioLoader.Parse("""
            control:
              - name: lose-one
                when: round 1
                delay: 200ms
                setPolicy:
                  - name: lost
                    everyNth: 20
                    limit: 1
                    outcome: drop
              - when: ioerror 2
                fence: lab
              - when: start
                unfence: ""
              - when: round 2
                setPolicy: []
            """, "x");

        Assert.Equal(4, scenario.Control.Count);
        var set = scenario.Control[0];
        Assert.Equal(("lose-one", ControlActionKind.SetPolicy, new ControlTrigger("round", 1), TimeSpan.FromMilliseconds(200)), (set.Name, set.Kind, set.When, set.Delay));
        var rule = Assert.Single(set.Policy!.Rules);
        Assert.Equal(("lost", 20, 1, FaultOutcome.Drop), (rule.Name, rule.EveryNth!.Value, rule.Limit!.Value, rule.Outcome));
        Assert.Equal((ControlActionKind.Fence, "lab", new ControlTrigger("ioerror", 2)), (scenario.Control[1].Kind, scenario.Control[1].Reason, scenario.Control[1].When));
        Assert.Equal((ControlActionKind.Unfence, "control action control[2]"), (scenario.Control[2].Kind, scenario.Control[2].Reason));
        Assert.Empty(scenario.Control[3].Policy!.Rules);
    }

    [Theory]
    [InlineData("control:\n  - when: round 1\n", "control[0]: needs exactly one")]
    [InlineData("control:\n  - when: round 1\n    fence: a\n    unfence: b\n", "control[0]: needs exactly one")]
    [InlineData("control:\n  - fence: a\n", "control[0].when")]
    [InlineData("control:\n  - when: round zero\n    fence: a\n", "control[0].when")]
    [InlineData("control:\n  - when: round 1\n    delay: soon\n    fence: a\n", "control[0].delay")]
    [InlineData("control:\n  - when: round 1\n    setPolicy:\n      - everyNth: 0\n", "control[0].setPolicy.rules")]
    [InlineData("control:\n  - when: round 1\n    setPolicy:\n      - delay: sometimes\n", "control[0].setPolicy.rules[0].delay")]
    public void Parse_BadControlSection_NamesTheField(string yaml, string field)
    {
        var ex = Assert.Throws<ScenarioException>(() => ScenarioLoader.Parse(yaml, "x"));

        Assert.StartsWith(field, ex.Message);
    }

    [Fact]
    public void Parse_NoControlSection_NoActions() => Assert.Empty(ScenarioLoader.Parse("name: x", "x").Control);

    [Fact]
    public void ParseRules_List_BuildsPolicy()
    {
        var policy = ScenarioLoader.ParseRules("[{name: a, everyNth: 5, outcome: refuse}, {probability: 0.5, delay: fixed 2ms}]");

        Assert.Equal(2, policy.Rules.Count);
        Assert.Equal(FaultOutcome.Refuse, policy.Rules[0].Outcome);
        Assert.Equal(Distribution.Fixed(0.002), policy.Rules[1].Delay);
    }

    [Fact]
    public void ParseRules_ScenarioFile_UsesItsRules()
    {
        var policy = ScenarioLoader.ParseRules("name: s\nrules:\n  - name: r\n    outcome: drop\nexpect:\n  fences: '>= 1'\n");

        Assert.Equal("r", Assert.Single(policy.Rules).Name);
    }

    [Fact]
    public void ParseRules_Empty_NoRules() => Assert.Empty(ScenarioLoader.ParseRules("[]").Rules);

    [Theory]
    [InlineData("[{everyNth: 0}]")]
    [InlineData("[{outcome: explode}]")]
    [InlineData("[{unknownField: 1}]")]
    [InlineData("[{name: a")]
    public void ParseRules_Invalid_ScenarioException(string yaml) =>
        Assert.Throws<ScenarioException>(() => ScenarioLoader.ParseRules(yaml));
}
