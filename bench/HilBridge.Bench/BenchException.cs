namespace HilBridge.Bench;

/// <summary>A benchmark step that could not run (missing tool, peer died, timeout): reported, never a crash dump.</summary>
internal sealed class BenchException(string message) : Exception(message);
