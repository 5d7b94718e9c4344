namespace HilBridge.Scenarios;

/// <summary>Which `engine:` keys a scenario file states; see <see cref="Scenario.EngineKeysStated"/>.</summary>
[Flags]
public enum StatedEngineKeys
{
    None = 0,
    Timeout = 1,
    FencePolicy = 2,
    FenceMode = 4,
    Seed = 8,
}
