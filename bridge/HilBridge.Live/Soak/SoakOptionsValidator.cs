using Microsoft.Extensions.Options;

namespace HilBridge.Live.Soak;

/// <summary>Rejects a soak schedule that cannot run, before the first guest boots.</summary>
public sealed class SoakOptionsValidator : IValidateOptions<SoakOptions>
{
    public ValidateOptionsResult Validate(string? name, SoakOptions options)
    {
        var failures = new List<string>();
        if (options.Duration <= TimeSpan.Zero)
        {
            failures.Add("DURATION must be positive");
        }

        if (options.EpochMin < TimeSpan.FromSeconds(1) || options.EpochMax < options.EpochMin || options.Blocks < 1)
        {
            failures.Add("need 1 <= --epoch-min <= --epoch-max and --blocks >= 1");
        }

        if (options.GuestKernel is { } kernel && !Guest.GuestKernelSpec.TryParse(kernel, out _, out var error))
        {
            failures.Add("--guest-kernel (Soak:GuestKernel): " + error);
        }

        if (options.SampleInterval <= TimeSpan.Zero)
        {
            failures.Add("Soak:SampleInterval must be positive");
        }

        if (string.IsNullOrWhiteSpace(options.OutputDirectory))
        {
            failures.Add("--out (Soak:OutputDirectory) is empty");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
