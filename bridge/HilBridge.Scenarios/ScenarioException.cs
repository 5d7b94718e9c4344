namespace HilBridge.Scenarios;

/// <summary>A scenario file that cannot be used; the message names the file and the field.</summary>
public sealed class ScenarioException(string message, Exception? inner = null) : Exception(message, inner);
