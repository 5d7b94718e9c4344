namespace HilBridge.VhostUser.Tests.TestSupport;

/// <summary>Hex vectors written the way wire dumps read: spaces allowed between bytes.</summary>
internal static class Hex
{
    public static byte[] Parse(string hex) => Convert.FromHexString(hex.Replace(" ", string.Empty));
}
