using HilBridge.Core.Atc;
using HilBridge.Core.Dma;

namespace HilBridge.Core.Engine;

/// <summary>An in-flight device access between BeginAccess and EndAccess.</summary>
internal readonly record struct Pin(AtcEntry Entry, ulong Iova, ulong Bytes, AccessKind Kind, DmaPurpose Purpose, bool ViolationReported);
