using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace HilBridge.Control.Server;

/// <summary>
/// The bearer token a TCP control server demands. A UNIX socket is guarded by its 0600 mode; a TCP port
/// is open to every local user (and, bound beyond loopback, to the network), so there a caller must
/// prove it could read the token file, which is written 0600 beside the socket or in the run's output.
/// Sent as gRPC metadata <c>authorization: Bearer TOKEN</c>.
/// </summary>
public static class ControlToken
{
    public const string Header = "authorization";
    public const string Scheme = "Bearer ";

    /// <summary>32 random bytes, hex.</summary>
    public static string Generate() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    /// <summary>Writes <paramref name="token"/> to a new file only its owner can read (created 0600, never wider, replacing any older one).</summary>
    public static void Write(string path, string token)
    {
        File.Delete(path);
        using var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        stream.Write(Encoding.ASCII.GetBytes(token + "\n"));
    }

    /// <summary>Reads a token file written by <see cref="Write"/>.</summary>
    public static string Read(string path) => File.ReadAllText(path).Trim();

    /// <summary>Whether the request carries the token; compared in constant time.</summary>
    public static bool IsPresentedIn(HttpRequest request, string token)
    {
        var value = request.Headers[Header].ToString();
        if (!value.StartsWith(Scheme, StringComparison.Ordinal))
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(value[Scheme.Length..].Trim()), Encoding.ASCII.GetBytes(token));
    }
}
