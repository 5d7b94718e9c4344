namespace HilBridge.Core.Engine;

/// <summary>How hard a fence blocks the device; kernels may pick either, so it is an option.</summary>
public enum FenceMode
{
    /// <summary>
    /// STE.EATS=0: translated requests (payload DMA through the ATC, stragglers) are refused; control
    /// accesses still work as untranslated requests checked against the live page tables.
    /// </summary>
    BlockTranslated,
    /// <summary>Abort STE: every access from the device fails, control structures included.</summary>
    Abort,
}
