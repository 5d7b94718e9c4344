using System.Net;

namespace HilBridge.Control.Server;

/// <summary>Where the control server listens: a UNIX socket (the default), or TCP when asked for.</summary>
public abstract record ControlEndpoint
{
    public sealed record UnixSocket(string Path) : ControlEndpoint;

    /// <summary>
    /// Port 0 picks a free port (see <see cref="ControlServer.Address"/>). Callers must present the
    /// server's <see cref="ControlServer.Token"/>. An address other than loopback is refused unless
    /// <paramref name="AllowRemote"/>: the port would be reachable from other machines, in plaintext.
    /// </summary>
    public sealed record Tcp(IPAddress Address, int Port, bool AllowRemote = false) : ControlEndpoint
    {
        public bool IsLoopback => IPAddress.IsLoopback(Address);
    }

    /// <summary>"PORT" (loopback), "HOST:PORT" or "[V6]:PORT"; HOST must be an IP address.</summary>
    public static bool TryParseTcp(string text, out Tcp endpoint, out string error)
    {
        endpoint = null!;
        error = "";
        if (int.TryParse(text, out var portOnly))
        {
            text = "127.0.0.1:" + portOnly;
        }

        if (!IPEndPoint.TryParse(text, out var parsed) || !text.Contains(':') || text.EndsWith(':'))
        {
            error = $"'{text}' is not PORT, HOST:PORT or [V6]:PORT with an IP address";
            return false;
        }
        endpoint = new Tcp(parsed.Address, parsed.Port);
        return true;
    }
}
