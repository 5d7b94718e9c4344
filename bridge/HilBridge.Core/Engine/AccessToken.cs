namespace HilBridge.Core.Engine;

/// <summary>
/// Names one in-flight access so EndAccess can unpin its translation. Default (Id 0) is "nothing pinned";
/// EndAccess ignores it, so the host may end every access unconditionally.
/// </summary>
public readonly record struct AccessToken(ulong Id)
{
    public bool IsValid => Id != 0;
}
