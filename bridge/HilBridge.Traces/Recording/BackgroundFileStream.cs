using System.Buffers;

namespace HilBridge.Traces.Recording;

/// <summary>
/// A write-only stream that copies each write into a pooled chunk and lets a background thread put
/// the chunks on disk, so the engine thread (which records under the engine lock) never waits for
/// the disk. Writers block only if the disk falls <see cref="MaxQueuedBytes"/> behind.
/// </summary>
internal sealed class BackgroundFileStream : Stream
{
    public const int MaxQueuedBytes = 32 << 20;

    private readonly FileStream _file;
    private readonly Queue<(byte[] Chunk, int Length)> _queue = new();
    private readonly object _gate = new();
    private readonly Thread _thread;
    private long _queuedBytes;
    private bool _flushRequested;
    private bool _closing;
    private bool _idle = true;

    public BackgroundFileStream(string path)
    {
        _file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1);
        _thread = new Thread(Run) { IsBackground = true, Name = "hb-trace-writer" };
        _thread.Start();
    }

    /// <summary>The disk error that stopped writing, if any; later writes are discarded.</summary>
    public Exception? Failure { get; private set; }

    /// <summary>Bytes discarded after a failure.</summary>
    public long DiscardedBytes { get; private set; }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return;
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closing, this);
            if (Failure is not null)
            {
                DiscardedBytes += buffer.Length;
                return;
            }

            while (_queuedBytes > MaxQueuedBytes && Failure is null)
            {
                Monitor.Wait(_gate);
            }

            var chunk = ArrayPool<byte>.Shared.Rent(buffer.Length);
            buffer.CopyTo(chunk);
            _queue.Enqueue((chunk, buffer.Length));
            _queuedBytes += buffer.Length;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Asks the writer thread to flush to the OS once the queue is written; does not wait.</summary>
    public override void Flush()
    {
        lock (_gate)
        {
            _flushRequested = true;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Waits until everything queued so far is on its way to disk (written and flushed).</summary>
    public void WaitDrained()
    {
        lock (_gate)
        {
            _flushRequested = true;
            Monitor.PulseAll(_gate);
            while ((_queue.Count > 0 || !_idle || _flushRequested) && Failure is null)
            {
                Monitor.Wait(_gate);
            }
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            lock (_gate)
            {
                if (_closing)
                {
                    return;
                }

                _closing = true;
                _flushRequested = true;
                Monitor.PulseAll(_gate);
            }

            _thread.Join();
            _file.Dispose();
        }

        base.Dispose(disposing);
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    private void Run()
    {
        while (true)
        {
            (byte[] Chunk, int Length) item = ([], 0);
            bool flush;
            lock (_gate)
            {
                _idle = true;
                Monitor.PulseAll(_gate);
                while (_queue.Count == 0 && !_flushRequested && !_closing)
                {
                    Monitor.Wait(_gate);
                }

                if (_queue.Count == 0 && !_flushRequested)
                {
                    return; // closing, everything written
                }

                flush = _queue.Count == 0;
                if (flush)
                {
                    _flushRequested = false;
                }
                else
                {
                    item = _queue.Dequeue();
                }

                _idle = false;
            }

            Exception? failure = null;
            try
            {
                if (Failure is null)
                {
                    if (flush)
                    {
                        _file.Flush();
                    }
                    else
                    {
                        _file.Write(item.Chunk, 0, item.Length);
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                failure = ex;
            }

            lock (_gate)
            {
                Failure ??= failure;
                if (!flush)
                {
                    ArrayPool<byte>.Shared.Return(item.Chunk);
                    _queuedBytes -= item.Length;
                    if (Failure is not null)
                    {
                        DiscardedBytes += item.Length;
                    }
                }

                Monitor.PulseAll(_gate);
            }
        }
    }
}
