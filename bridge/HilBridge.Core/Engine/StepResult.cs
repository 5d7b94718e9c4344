using HilBridge.Core.Atc;

namespace HilBridge.Core.Engine;

/// <summary>
/// What one <see cref="EngineStepper.Step"/> returns. Only BeginAccess has an answer: its result, and on a
/// hit the translation it pinned and the token that ends the access. Other inputs return the default (no result).
/// </summary>
public readonly record struct StepResult(AccessResult? Result, AtcEntry Entry, AccessToken Token);
