namespace HilBridge.EndToEnd.Tests;

/// <summary>Live tests boot a TCG guest each; two at once on a 2-core machine would distort the timing they test.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LiveGuestCollection
{
    public const string Name = "live guest";
}
