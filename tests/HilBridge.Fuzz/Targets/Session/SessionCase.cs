using HilBridge.Fuzz.Targets.Chains;

namespace HilBridge.Fuzz.Targets.Session;

/// <summary>
/// One message as it goes on the wire: header fields (the size may lie), payload, and the kinds of fd
/// riding with it (guest, small, eventfd, pipe, zero, socket, inflight; see <see cref="FuzzFds"/>).
/// </summary>
public sealed record WireMessage(uint Request, uint Flags, string Payload, List<string> Fds, uint? Size = null);

/// <summary>A whole connection: the messages in order, trailing garbage, and the ring the guest left in memory.</summary>
public sealed record SessionCase(List<WireMessage> Messages, string Tail, ChainCase Ring);
