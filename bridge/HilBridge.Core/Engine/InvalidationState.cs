namespace HilBridge.Core.Engine;

internal enum InvalidationState
{
    /// <summary>Waiting for the device: its completion, its in-flight accesses and its stragglers.</summary>
    Pending,
    /// <summary>The device is fenced, so the flush may complete as soon as in-flight accesses have drained.</summary>
    Forced,
    /// <summary>Answered to QEMU; kept only while an access or straggler can still reference its translations.</summary>
    Acked,
}
