using System.Net;
using HilBridge.Control.Server;

namespace HilBridge.Control.Tests.Server;

public class ControlEndpointTests
{
    [Theory]
    [InlineData("5000", "127.0.0.1", 5000)]
    [InlineData("0.0.0.0:7000", "0.0.0.0", 7000)]
    [InlineData("[::1]:7001", "::1", 7001)]
    public void TryParseTcp_Valid_Parses(string text, string address, int port)
    {
        Assert.True(ControlEndpoint.TryParseTcp(text, out var endpoint, out _));
        Assert.Equal(new ControlEndpoint.Tcp(IPAddress.Parse(address), port), endpoint);
    }

    [Theory]
    [InlineData("localhost:5000")]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.1:")]
    [InlineData("nonsense")]
    public void TryParseTcp_Invalid_Error(string text)
    {
        Assert.False(ControlEndpoint.TryParseTcp(text, out _, out var error));
        Assert.Contains(text, error);
    }
}
