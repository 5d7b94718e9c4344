namespace HilBridge.Reliability.Tests;

/// <summary>Live tests boot a TCG guest each; two at once on a 2-core machine would distort the timing they depend on.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LiveGuestCollection
{
    public const string Name = "reliability live guest";
}
