using HilBridge.Live.Hosting;

namespace HilBridge.Live.Tests.Hosting;

public sealed class ServeOptionsValidatorTests
{
    private static readonly ServeOptionsValidator Validator = new();

    [Fact]
    public void Validate_SocketGiven_Succeeds()
    {
        Assert.True(Validator.Validate(null, new ServeOptions { Socket = "/run/vhost.sock" }).Succeeded);
    }

    [Fact]
    public void Validate_NoSocketAndNegativeDisk_ReportsBoth()
    {
        var result = Validator.Validate(null, new ServeOptions { Bridge = new() { DiskSizeBytes = -1 } });

        Assert.Equal(2, result.Failures!.Count());
        Assert.Contains("--socket (Serve:Socket) is required", result.Failures!);
    }
}
