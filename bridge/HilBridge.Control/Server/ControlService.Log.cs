using Microsoft.Extensions.Logging;

namespace HilBridge.Control.Server;

public sealed partial class ControlService
{
    [LoggerMessage(EventId = 500, Level = LogLevel.Information, Message = "control: {Device} policy set ({Rules} rules) by {Peer}")]
    private partial void LogPolicySet(string device, int rules, string peer);

    [LoggerMessage(EventId = 501, Level = LogLevel.Warning, Message = "control: {Device} fenced by {Peer}: {Reason}")]
    private partial void LogFenced(string device, string reason, string peer);

    [LoggerMessage(EventId = 502, Level = LogLevel.Warning, Message = "control: {Device} unfenced by {Peer}: {Reason}")]
    private partial void LogUnfenced(string device, string reason, string peer);

    [LoggerMessage(EventId = 503, Level = LogLevel.Information, Message = "control: recording {What} ({Path}) by {Peer}")]
    private partial void LogRecording(string what, string path, string peer);
}
