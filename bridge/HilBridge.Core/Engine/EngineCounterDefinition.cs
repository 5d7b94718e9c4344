namespace HilBridge.Core.Engine;

/// <summary>One engine counter as a reader sees it: a stable camelCase name, what it counts, and how to read it from a snapshot.</summary>
public sealed record EngineCounterDefinition(string Name, string Description, Func<EngineCounterSnapshot, long> Read);
