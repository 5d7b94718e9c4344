namespace HilBridge.Core.Virtio;

/// <summary>One buffer of a descriptor chain, as the driver described it (the address is an IOVA).</summary>
public readonly record struct DescriptorSegment(ulong Address, uint Length, bool DeviceWritable);
