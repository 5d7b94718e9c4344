namespace HilBridge.Fuzz.Targets.Engine;

/// <summary>One rule of the device's fault policy, as plain data.</summary>
public sealed record RuleSpec(string Outcome, int? EveryNth, double? Probability, int? Limit, double DelayMs, int Stragglers, double StragglerAfterMs, bool StragglerWrites);

/// <summary>One input to the engine, <see cref="DtMs"/> after the previous one.</summary>
public sealed record EngineOp(string Kind, double DtMs, ulong Iova = 0, ulong Size = 0, ulong User = 0, byte Perm = 0, bool Payload = false, int Token = 0, uint StreamId = 0);

/// <param name="WholeInvalidation">Invalidations remove whole entries (EngineOptions.ExactInvalidation off); false in inputs saved before the option.</param>
public sealed record EngineCase(bool Fence, bool AbortMode, double TimeoutMs, uint? StreamId, List<RuleSpec> Rules, List<EngineOp> Ops, bool WholeInvalidation = false);
