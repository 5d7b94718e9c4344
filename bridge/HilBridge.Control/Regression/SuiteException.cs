namespace HilBridge.Control.Regression;

/// <summary>A suite file that cannot be used; the message names the file and the entry.</summary>
public sealed class SuiteException(string message, Exception? inner = null) : Exception(message, inner);
