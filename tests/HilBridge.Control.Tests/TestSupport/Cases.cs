using HilBridge.Control.Regression;
using HilBridge.Scenarios;

namespace HilBridge.Control.Tests.TestSupport;

/// <summary>Suite cases from inline scenario YAML, without files.</summary>
public static class Cases
{
    public static SuiteCase Of(string name, string expect, string suite = "unit") =>
        new(suite, name + ".yaml", "/nonexistent/" + name + ".yaml",
            ScenarioLoader.Parse($"name: {name}\nexpect:\n{expect}", name), null);

    public static Suite SuiteOf(string name, params SuiteCase[] cases) => new(name, null, "/nonexistent/" + name + ".yaml", cases);
}
