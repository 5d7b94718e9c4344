namespace HilBridge.Core.Memory;

/// <summary>
/// One region of guest RAM as VHOST_USER_SET_MEM_TABLE / ADD_MEM_REG describes it, plus where the
/// bridge mapped it. The same bytes have three addresses: the guest's physical address, QEMU's virtual
/// address (what IOTLB updates and vring addresses without an IOMMU are expressed in), and ours.
/// </summary>
/// <param name="GuestPhysAddr">Guest-physical address of the first byte.</param>
/// <param name="Size">Length in bytes; never zero in a valid table.</param>
/// <param name="UserAddr">QEMU's virtual address of the first byte.</param>
/// <param name="HostAddress">The bridge's mapping of the first byte (the host layer owns the mmap).</param>
public readonly record struct MemoryRegion(ulong GuestPhysAddr, ulong Size, ulong UserAddr, nint HostAddress)
{
    public override string ToString() =>
        $"gpa 0x{GuestPhysAddr:x} size 0x{Size:x} uaddr 0x{UserAddr:x} host 0x{(ulong)HostAddress:x}";
}
