using HilBridge.Live.Guest;
using HilBridge.Scenarios;
using Microsoft.Extensions.Options;

namespace HilBridge.Live.Run;

/// <summary>Rejects a live run the user mis-specified before anything starts, naming the flag (or key) to fix.</summary>
public sealed class LiveRunOptionsValidator : IValidateOptions<LiveRunOptions>
{
    public ValidateOptionsResult Validate(string? name, LiveRunOptions options)
    {
        var failures = new List<string>();
        if ((options.Kernel is null) != (options.Initrd is null))
        {
            failures.Add("--kernel and --initrd go together");
        }

        if (options.GuestKernel is { } kernel)
        {
            if (!GuestKernelSpec.TryParse(kernel, out _, out var error))
            {
                failures.Add("--guest-kernel (Run:GuestKernel): " + error);
            }
            else if (options.Kernel is not null)
            {
                failures.Add("--guest-kernel and --kernel/--initrd both choose the kernel: give one");
            }
        }

        if (string.IsNullOrWhiteSpace(options.OutputDirectory))
        {
            failures.Add("--out (Run:OutputDirectory) is empty");
        }

        if (options.Qemu.Binary is { } binary && string.IsNullOrWhiteSpace(binary))
        {
            failures.Add("--qemu (Run:Qemu:Binary) is empty");
        }

        if (options.Qemu.MemoryMiB < 64)
        {
            failures.Add($"Run:Qemu:MemoryMiB is {options.Qemu.MemoryMiB}; the guest needs at least 64");
        }

        if (options.Qemu.Cpus < 1)
        {
            failures.Add($"Run:Qemu:Cpus is {options.Qemu.Cpus}; need at least 1");
        }

        if (options.Bridge.ValidateConnectionLimits("Run:Bridge:") is { } limits)
        {
            failures.Add(limits);
        }

        if (options.Qemu.QueueCount < 1 || options.Bridge.QueueCount < 1)
        {
            failures.Add("Run:Qemu:QueueCount and Run:Bridge:QueueCount must be at least 1");
        }

        if (options.Bridge.DiskSizeBytes <= 0)
        {
            failures.Add($"Run:Bridge:DiskSizeBytes is {options.Bridge.DiskSizeBytes}; need a positive size");
        }

        if (options.Bridge.MissTimeout <= TimeSpan.Zero)
        {
            failures.Add("Run:Bridge:MissTimeout must be positive");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
