namespace HilBridge.Core.Dma;

/// <summary>
/// An <see cref="IDmaSpace"/> that can ask for a buffer's translations before its first access, as an
/// ATS device keeps several translation requests in flight: the request's whole descriptor chain is
/// asked for at once instead of one miss, one wait, then the next. Asking is only a hint: every
/// access still translates (and waits, if the answer has not come) as before.
/// </summary>
public interface ITranslationPrefetch
{
    /// <summary>Requests the translations of [<paramref name="address"/>, +<paramref name="length"/>) the device does not hold for <paramref name="kind"/>.</summary>
    void Prefetch(ulong address, ulong length, AccessKind kind);
}
