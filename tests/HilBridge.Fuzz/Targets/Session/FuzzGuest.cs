namespace HilBridge.Fuzz.Targets.Session;

/// <summary>
/// Where the session fuzzer's guest lives. The guest memfd holds a canary page run before the region
/// (mapped by the device because of mmap_offset, never guest memory): it must survive every case.
/// </summary>
public static class FuzzGuest
{
    public const ulong MemfdSize = 2 << 20;
    public const ulong CanaryBytes = 64 << 10;
    public const ulong RegionOffset = CanaryBytes;
    public const ulong RegionSize = 1 << 20;
    public const ulong Gpa = 0x4000_0000;
    public const ulong UserBase = 0x7f00_0000_0000;
    public const ulong IovaBase = 0x1_0000_0000;
    public const byte Canary = 0xcc;
}
