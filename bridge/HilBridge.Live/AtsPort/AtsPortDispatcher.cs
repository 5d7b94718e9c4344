namespace HilBridge.Live.AtsPort;

/// <summary>Decodes one message and makes the matching handler call; a short payload is reported, never thrown.</summary>
internal static class AtsPortDispatcher
{
    public static void Dispatch(in AtsPortHeader header, ReadOnlySpan<byte> payload, IAtsPortHandler handler)
    {
        switch (header.Type)
        {
            case AtsPortMessageType.Hello when AtsPortHello.TryRead(payload, out var hello):
                handler.OnHello(hello);
                break;
            case AtsPortMessageType.AtcInvalidate when AtcInvalidation.TryRead(payload, out var invalidation):
                handler.OnAtcInvalidate(invalidation);
                break;
            case AtsPortMessageType.Ste when SteState.TryRead(payload, out var ste):
                handler.OnSte(ste);
                break;
            case AtsPortMessageType.Sync when SyncReport.TryRead(payload, out var sync):
                handler.OnSync(sync);
                break;
            case AtsPortMessageType.AtcInvalidateTimeout when AtcInvalidationTimeout.TryRead(payload, out var timeout):
                handler.OnTimeout(timeout);
                break;
            case AtsPortMessageType.Hello or AtsPortMessageType.AtcInvalidate or AtsPortMessageType.Ste
                or AtsPortMessageType.Sync or AtsPortMessageType.AtcInvalidateTimeout:
                handler.OnMalformed($"{header.Type} with a {payload.Length}-byte payload is too short");
                break;
            default:
                // Newer QEMU may send more: skipping unknown types is part of the protocol.
                handler.OnMalformed($"unknown message type 0x{(ushort)header.Type:x4} skipped");
                break;
        }
    }
}
