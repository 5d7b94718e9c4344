namespace HilBridge.Control.Mapping;

/// <summary>A policy message that does not describe valid rules; the message names the field (rules[1].delay).</summary>
public sealed class PolicyMappingException(string message, Exception? inner = null) : Exception(message, inner);
