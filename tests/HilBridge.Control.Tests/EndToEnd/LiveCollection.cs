namespace HilBridge.Control.Tests.EndToEnd;

/// <summary>Tests that boot real guests: one at a time, after the fast tests (each run wants both cores).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LiveCollection
{
    public const string Name = "live guest";
}
