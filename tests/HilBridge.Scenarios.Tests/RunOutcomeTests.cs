using HilBridge.Scenarios.Json;
using System.Text.Json;

namespace HilBridge.Scenarios.Tests;

public class RunOutcomeTests
{
    [Theory]
    [InlineData(RunOutcome.Completed, "completed")]
    [InlineData(RunOutcome.Passed, "passed")]
    [InlineData(RunOutcome.Failed, "failed")]
    [InlineData(RunOutcome.Aborted, "aborted")]
    public void ToText_EachOutcome_IsTheWordFilesAlwaysHeld(RunOutcome outcome, string text)
    {
        Assert.Equal(text, outcome.ToText());
        Assert.True(RunOutcomeText.TryParse(text, out var parsed));
        Assert.Equal(outcome, parsed);
    }

    [Theory]
    [InlineData("Passed")]
    [InlineData("ok")]
    [InlineData("")]
    [InlineData(null)]
    public void TryParse_NotAnOutcomeWord_False(string? text) => Assert.False(RunOutcomeText.TryParse(text, out _));

    [Fact]
    public void Serialize_Summary_WritesOutcomeAsWord()
    {
        var json = ResultJson.Serialize(new RunSummary { Outcome = RunOutcome.Failed, Bridge = new BridgeStatistics() }, indented: false);

        Assert.Contains("\"outcome\":\"failed\"", json);
    }

    [Fact]
    public void Deserialize_UnknownOutcomeWord_ThrowsJsonException() =>
        Assert.Throws<JsonException>(() => ResultJson.ReadRunSummary("""{"schemaVersion":1,"outcome":"exploded","bridge":{}}"""));
}
