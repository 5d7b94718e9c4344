namespace HilBridge.Core.Engine;

/// <summary>
/// A clock that reads whatever time it was last set to. The live host sets it from the real clock
/// before each engine call and replay sets it from the trace, so the engine sees identical times in both.
/// </summary>
public sealed class SteppedClock(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;

    public override DateTimeOffset GetUtcNow() => Now;
}
