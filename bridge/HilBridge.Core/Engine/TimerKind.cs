namespace HilBridge.Core.Engine;

internal enum TimerKind
{
    /// <summary>The device completes the invalidation (positive).</summary>
    DeviceDone,
    /// <summary>The device answers the invalidation negatively.</summary>
    Refusal,
    Straggler,
}
