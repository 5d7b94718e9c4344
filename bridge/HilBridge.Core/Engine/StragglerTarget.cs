namespace HilBridge.Core.Engine;

/// <summary>Which of an invalidation's captured translations a straggler goes through.</summary>
public enum StragglerTarget : byte
{
    /// <summary>
    /// Any captured translation, at its first byte, whatever it was used for (rings, request headers and
    /// status bytes included) and whatever its permission: what the first versions did, so older traces
    /// keep replaying.
    /// </summary>
    Any,

    /// <summary>
    /// Only translations the device moved payload through in the straggler's direction, at the start of the
    /// last such transfer: a posted write (or read) of a data buffer that outlived its request. A rule
    /// with these stragglers applies only to invalidations that capture such a translation.
    /// </summary>
    Payload,
}
