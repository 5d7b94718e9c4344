namespace HilBridge.Live.AtsPort;

/// <summary>
/// What the SMMU says on the ATS port, one typed call per message, on the connection's read thread
/// (in order). Unknown message types never get here (they are counted and skipped).
/// </summary>
internal interface IAtsPortHandler
{
    void OnConnected();
    void OnHello(in AtsPortHello hello);
    void OnAtcInvalidate(in AtcInvalidation invalidation);
    void OnSte(in SteState ste);
    void OnSync(in SyncReport sync);
    void OnTimeout(in AtcInvalidationTimeout timeout);
    void OnMalformed(string reason);
    void OnDisconnected(string reason);
}
