namespace HilBridge.Core.Memory;

/// <summary>Why a memory table was refused. Append only.</summary>
public enum MemoryTableError
{
    None,
    /// <summary>More regions than <see cref="MemoryTable.MaxRegions"/>.</summary>
    TooManyRegions,
    /// <summary>A region of size zero: it could never resolve and only hides bugs.</summary>
    ZeroSize,
    /// <summary>GuestPhysAddr + Size overflows 64 bits.</summary>
    GuestPhysWrap,
    /// <summary>UserAddr + Size overflows 64 bits.</summary>
    UserWrap,
    /// <summary>HostAddress is null or HostAddress + Size overflows the address space.</summary>
    BadHostMapping,
    /// <summary>Two regions share guest-physical addresses.</summary>
    GuestPhysOverlap,
    /// <summary>Two regions share QEMU virtual addresses.</summary>
    UserOverlap,
}
