using HilBridge.VhostUser.Protocol;
using Microsoft.Extensions.Logging;

namespace HilBridge.VhostUser.Session;

public sealed partial class VhostUserSession
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "vhost-user session started")]
        public static partial void SessionStarted(ILogger logger);

        [LoggerMessage(2, LogLevel.Information, "vhost-user session ended ({End}): {Reason}")]
        public static partial void SessionEnded(ILogger logger, VhostUserSessionEnd end, string reason);

        [LoggerMessage(3, LogLevel.Error, "vhost-user protocol error, closing the connection: {Detail}")]
        public static partial void ProtocolFault(ILogger logger, string detail, Exception exception);

        [LoggerMessage(4, LogLevel.Warning, "vhost-user connection failed: {Detail}")]
        public static partial void TransportFailed(ILogger logger, string detail, Exception exception);

        [LoggerMessage(5, LogLevel.Error, "vhost-user session stopped by an internal error")]
        public static partial void InternalError(ILogger logger, Exception exception);

        [LoggerMessage(6, LogLevel.Trace, "<- {Request} flags=0x{Flags:x} size={Size} fds={FdCount}")]
        public static partial void RequestReceived(ILogger logger, VhostUserRequest request, uint flags, uint size, int fdCount);

        [LoggerMessage(7, LogLevel.Trace, "-> reply to {Request} size={Size}")]
        public static partial void ReplySentCore(ILogger logger, VhostUserRequest request, int size);

        [LoggerMessage(8, LogLevel.Warning, "{Request} refused: {Detail}")]
        public static partial void RequestRefused(ILogger logger, VhostUserRequest request, string detail);

        [LoggerMessage(9, LogLevel.Error, "back-end failed on {Request} with an unexpected exception")]
        public static partial void BackendFailed(ILogger logger, VhostUserRequest request, Exception exception);

        [LoggerMessage(10, LogLevel.Error, "{Request} is not supported; payload of {Size} bytes and {FdCount} fds dropped (need-reply: {NeedReply})")]
        public static partial void UnsupportedRequest(ILogger logger, VhostUserRequest request, uint size, int fdCount, bool needReply);

        [LoggerMessage(11, LogLevel.Error, "unknown request {Request}; payload of {Size} bytes and {FdCount} fds dropped (need-reply: {NeedReply})")]
        public static partial void UnknownRequest(ILogger logger, uint request, uint size, int fdCount, bool needReply);

        [LoggerMessage(12, LogLevel.Debug, "deferred reply to {Request} dropped, connection gone: {Detail}")]
        public static partial void DeferredReplyDroppedCore(ILogger logger, VhostUserRequest request, string detail);

        [LoggerMessage(13, LogLevel.Error, "back-end threw from OnDisconnected")]
        public static partial void BackendThrewOnDisconnect(ILogger logger, Exception exception);

        [LoggerMessage(14, LogLevel.Warning, "IOTLB message before VIRTIO_F_ACCESS_PLATFORM was acked; processing it as QEMU 7.2 expects")]
        public static partial void IotlbBeforeAccessPlatformAcked(ILogger logger);

        [LoggerMessage(15, LogLevel.Error, "back-end threw from OnIotlbMessage after completing the reply")]
        public static partial void BackendThrewAfterReply(ILogger logger, Exception exception);

        [LoggerMessage(16, LogLevel.Warning, "vhost-user front-end timed out, closing the connection: {Detail}")]
        public static partial void ReceiveTimedOut(ILogger logger, string detail);

        public static void ReplySent(ILogger logger, uint request, int size) => ReplySentCore(logger, (VhostUserRequest)request, size);

        public static void DeferredReplyDropped(ILogger logger, uint request, string detail) =>
            DeferredReplyDroppedCore(logger, (VhostUserRequest)request, detail);
    }
}
