using System.Runtime.CompilerServices;
namespace Madvise.Replay.Strace;

/// <summary>
/// Reads a log line by line from a stream with a fixed-size buffer: memory stays bounded by
/// <see cref="MaxLineBytes"/> whatever the input. A line longer than that is skipped up to its
/// newline and reported as <see cref="LineStatus.TooLong"/> (its first bytes are still handed
/// out so the caller can show them). Lines are bytes (strace writes ASCII, with octal escapes
/// for anything else inside strings).
/// </summary>
public sealed class StraceLineReader : IDisposable
{
    /// <summary>The default limit: 4 MiB, fifty times the longest line seen (a 2,000-entry vector printed with -v is 82 KB).</summary>
    public const int DefaultMaxLineBytes = 4 << 20;

    private const int InitialBuffer = 64 << 10;

    private readonly Stream _stream;

    private readonly bool _leaveOpen;

    /// <summary>Buffered bytes are <c>_buffer[_start.._end]</c>.</summary>
    private byte[] _buffer;

    private int _start;

    private int _end;

    private bool _eof;

    /// <summary>Bytes the reader may still take from the stream (see the constructor's byteLimit).</summary>
    private long _remaining;

    /// <summary>
    /// Creates a reader over <paramref name="stream"/> that reads at most
    /// <paramref name="byteLimit"/> bytes of it (a log that strace is still writing is read up to
    /// the size it had when the replay started, so that every pass sees the same lines).
    /// </summary>
    public StraceLineReader(Stream stream, int maxLineBytes = DefaultMaxLineBytes, bool leaveOpen = false, long byteLimit = long.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLineBytes, 256);
        ArgumentOutOfRangeException.ThrowIfNegative(byteLimit);
        _stream = stream;
        _leaveOpen = leaveOpen;
        _remaining = byteLimit;
        MaxLineBytes = maxLineBytes;
        _buffer = new byte[Math.Min(InitialBuffer, maxLineBytes + 1)];
    }

    /// <summary>The longest line handed out whole.</summary>
    public int MaxLineBytes { get; }

    /// <summary>1-based number of the line last returned.</summary>
    public long LineNumber { get; private set; }

    /// <summary>Bytes consumed so far (for progress).</summary>
    public long BytesRead { get; private set; }

    /// <summary>
    /// The next line without its newline. <paramref name="status"/> says whether it ended with a
    /// newline, ended at the end of the input without one (a log cut mid-line), or was too long.
    /// </summary>
    /// <returns>False at the end of the input.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryReadLine(out ReadOnlySpan<byte> line, out LineStatus status)
    {
        var scanned = 0;
        while (true)
        {
            var pending = _buffer.AsSpan(_start, _end - _start);
            var nl = pending[scanned..].IndexOf((byte)'\n');
            if (nl >= 0)
            {
                var length = scanned + nl;
                line = pending[..length];
                status = LineStatus.Complete;
                Consume(length + 1);
                return true;
            }

            scanned = pending.Length;
            if (_eof)
            {
                if (pending.IsEmpty)
                {
                    line = default;
                    status = default;
                    return false;
                }

                line = pending;
                status = LineStatus.Unterminated;
                Consume(pending.Length);
                return true;
            }

            if (pending.Length > MaxLineBytes)
            {
                var head = SkipRestOfLine(pending.Length);
                line = _buffer.AsSpan(0, head);
                status = LineStatus.TooLong;
                return true;
            }

            Fill();
        }
    }

    /// <summary>Moves the unread bytes to the front, grows the buffer if full (up to the limit), and reads more.</summary>
    private void Fill()
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            Array.Resize(ref _buffer, (int)Math.Min((long)_buffer.Length * 2, MaxLineBytes + 1L));
        }

        var n = Read(_end, _buffer.Length - _end);
        if (n == 0)
        {
            _eof = true;
        }

        _end += n;
    }

    /// <summary>Reads into <c>_buffer[offset..]</c>, no more than <paramref name="count"/> bytes nor beyond the byte limit.</summary>
    private int Read(int offset, int count)
    {
        var n = _stream.Read(_buffer, offset, (int)Math.Min(count, _remaining));
        _remaining -= n;
        return n;
    }

    /// <summary>Counts a line of <paramref name="length"/> bytes (plus its newline, if any) as read.</summary>
    private void Consume(int length)
    {
        LineNumber++;
        BytesRead += length;
        _start += length;
        if (_start == _end)
        {
            _start = _end = 0;
        }
    }

    /// <summary>
    /// Discards a too-long line: the <paramref name="buffered"/> bytes in the buffer and everything
    /// after them up to and including the next newline, reading in buffer-sized pieces.
    /// Its first bytes are kept at the front of the buffer, untouched until the next call.
    /// </summary>
    /// <returns>How many of its first bytes are kept.</returns>
    private int SkipRestOfLine(int buffered)
    {
        LineNumber++;
        BytesRead += buffered;
        var head = Math.Min(buffered, 256);

        // Keep the first bytes (the caller's view) at the front; read the rest behind them.
        Buffer.BlockCopy(_buffer, _start, _buffer, 0, head);
        _start = 0;
        _end = head;
        while (true)
        {
            var n = Read(head, _buffer.Length - head);
            if (n == 0)
            {
                _eof = true;
                _start = _end = head;
                return head;
            }

            var nl = _buffer.AsSpan(head, n).IndexOf((byte)'\n');
            if (nl >= 0)
            {
                BytesRead += nl + 1;

                // The bytes after the newline are the next line's: keep them behind the head.
                _start = head + nl + 1;
                _end = head + n;
                return head;
            }

            BytesRead += n;
        }
    }

    public void Dispose()
    {
        if (!_leaveOpen)
        {
            _stream.Dispose();
        }
    }
}
