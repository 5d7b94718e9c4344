using System.CommandLine;
using HilBridge.Scenarios;

namespace HilBridge.Cli;

/// <summary>`--iommu smmuv3|vtd`, spelled as in a scenario's `iommu:`.</summary>
internal static class IommuOption
{
    public static Option<IommuKind?> Create(string description = "The IOMMU in front of the device: smmuv3 (aarch64 virt) or vtd (x86_64 q35, Intel VT-d; Debian stable's kernel); default: the scenario's iommu:, else smmuv3") =>
        new("--iommu")
        {
            Description = description,
            CustomParser = result =>
            {
                var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : null;
                if (IommuNames.TryParse(text, out var kind))
                {
                    return kind;
                }

                result.AddError($"--iommu '{text}': {IommuNames.Choices}");
                return null;
            },
        };
}
