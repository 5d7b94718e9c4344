using HilBridge.Live.Soak;

namespace HilBridge.Live.Tests.Soak;

public sealed class SoakOptionsValidatorTests
{
    private static readonly SoakOptionsValidator Validator = new();

    [Fact]
    public void Validate_Defaults_Succeeds()
    {
        Assert.True(Validator.Validate(null, new SoakOptions()).Succeeded);
    }

    [Theory]
    [InlineData(0, 60, 256)]
    [InlineData(30, 20, 256)]
    [InlineData(20, 60, 0)]
    public void Validate_BadSchedule_FailsWithTheFlagsToFix(int epochMin, int epochMax, int blocks)
    {
        var options = new SoakOptions { EpochMin = TimeSpan.FromSeconds(epochMin), EpochMax = TimeSpan.FromSeconds(epochMax), Blocks = blocks };

        var result = Validator.Validate(null, options);

        Assert.Equal("need 1 <= --epoch-min <= --epoch-max and --blocks >= 1", Assert.Single(result.Failures!));
    }

    [Theory]
    [InlineData("stable")]
    [InlineData("unstable")]
    [InlineData("build")]
    public void Validate_GuestKernelByName_Succeeds(string kernel)
    {
        Assert.True(Validator.Validate(null, new SoakOptions { GuestKernel = kernel }).Succeeded);
    }

    [Fact]
    public void Validate_UnknownGuestKernel_FailsNamingTheFlag()
    {
        var result = Validator.Validate(null, new SoakOptions { GuestKernel = "sid-ish" });

        Assert.StartsWith("--guest-kernel (Soak:GuestKernel): ", Assert.Single(result.Failures!));
    }
}
