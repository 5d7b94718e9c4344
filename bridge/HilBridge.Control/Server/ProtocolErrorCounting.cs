using System.Buffers;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace HilBridge.Control.Server;

/// <summary>
/// Counts the control plane's protocol errors into <see cref="ControlPlaneCounters"/>: a call that
/// ends in an error before it reached <see cref="ControlService"/> (the interceptor marks the ones that
/// did), a connection that does not open with the HTTP/2 preface (refused at once, see
/// <see cref="PrefaceCheck"/>), and an HTTP/2 connection Kestrel drops for a protocol error after it
/// (its connection-error events).
/// </summary>
internal static class ProtocolErrorCounting
{
    private const string ReachedService = "hilbridge.reached-service";

    private static readonly byte[] Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();

    /// <summary>
    /// Connection middleware: the connection must open with the HTTP/2 client preface (this endpoint
    /// speaks HTTP/2 with prior knowledge only) within <paramref name="deadline"/>. Kestrel itself
    /// holds a connection of junk without a line end, or of nothing, until its idle timeout; here it is
    /// refused at its first wrong byte, or at the deadline, and counted. The bytes are only peeked.
    /// </summary>
    public static Func<ConnectionDelegate, ConnectionDelegate> PrefaceCheck(ControlPlaneCounters counters, TimeSpan deadline) => next => async connection =>
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed);
        timeout.CancelAfter(deadline);
        var input = connection.Transport.Input;
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(timeout.Token);
                var buffer = result.Buffer;
                var seen = (int)Math.Min(buffer.Length, Preface.Length);
                var opened = buffer.Slice(0, seen).ToArray().AsSpan().SequenceEqual(Preface.AsSpan(0, seen));
                if (opened && seen == Preface.Length)
                {
                    input.AdvanceTo(buffer.Start); // nothing consumed: Kestrel reads the preface itself
                    break;
                }

                input.AdvanceTo(buffer.Start, buffer.End);
                if (!opened || result.IsCompleted)
                {
                    if (buffer.Length > 0)
                    {
                        counters.CountProtocolError();
                    }

                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            counters.CountProtocolError(); // connected and never completed the preface
            return;
        }

        await next(connection);
    };

    /// <summary>Middleware, outermost: looks at each finished request.</summary>
    public static RequestDelegate Middleware(RequestDelegate next, ControlPlaneCounters counters) => async context =>
    {
        await next(context);
        if (context.Response.StatusCode == StatusCodes.Status401Unauthorized)
        {
            counters.CountUnauthenticated();
        }
        else if (!context.Items.ContainsKey(ReachedService) && IsError(context))
        {
            counters.CountProtocolError();
        }
    };

    /// <summary>An error response: an HTTP error, or a gRPC status other than OK (in the headers of a trailers-only response or in the trailers).</summary>
    private static bool IsError(HttpContext context)
    {
        if (context.Response.StatusCode >= 400)
        {
            return true;
        }

        var status = context.Response.Headers["grpc-status"].ToString();
        if (status.Length == 0)
        {
            status = context.Features.Get<IHttpResponseTrailersFeature>()?.Trailers["grpc-status"].ToString() ?? "";
        }

        return status.Length > 0 && status != "0";
    }

    /// <summary>Marks a call that got as far as the service (its message decoded): its errors are answers, not protocol errors.</summary>
    public sealed class ReachedInterceptor : Interceptor
    {
        public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
        {
            context.GetHttpContext().Items[ReachedService] = true;
            return continuation(request, context);
        }

        public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
        {
            context.GetHttpContext().Items[ReachedService] = true;
            return continuation(request, responseStream, context);
        }
    }

    /// <summary>
    /// The run's logger factory, with Kestrel's loggers teed to a counter: Kestrel reports HTTP/2
    /// connection and stream errors only as log events (Debug, below what the run's log shows).
    /// </summary>
    public sealed class KestrelEventCounter(ILoggerFactory inner, ControlPlaneCounters counters) : ILoggerFactory
    {
        private static readonly HashSet<string> Counted = ["Http2ConnectionError", "Http2StreamError", "HPackDecodingError", "ConnectionBadRequest"];

        public ILogger CreateLogger(string categoryName) =>
            categoryName.StartsWith("Microsoft.AspNetCore.Server.Kestrel", StringComparison.Ordinal)
                ? new Tee(inner.CreateLogger(categoryName), counters)
                : inner.CreateLogger(categoryName);

        public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

        public void Dispose()
        {
            // The run owns the inner factory.
        }

        private sealed class Tee(ILogger logger, ControlPlaneCounters counters) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => logger.BeginScope(state);

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (eventId.Name is { } name && Counted.Contains(name))
                {
                    counters.CountProtocolError();
                }

                if (logger.IsEnabled(logLevel))
                {
                    logger.Log(logLevel, eventId, state, exception, formatter);
                }
            }
        }
    }
}
