using System.Buffers.Binary;
using System.Text;

namespace Madvise.Scenarios.Host;

/// <summary>Builds one frame of the agent protocol (<see cref="AgentProtocol"/>): a length prefix and little-endian fields.</summary>
internal sealed class FrameWriter
{
    /// <summary>The frame so far; the first four bytes are the length, filled in by <see cref="Frame"/>.</summary>
    private byte[] _buffer = new byte[256];

    /// <summary>Bytes used in <see cref="_buffer"/>.</summary>
    private int _length = 4;

    /// <summary>Starts a new frame, reusing the buffer.</summary>
    public FrameWriter Reset()
    {
        _length = 4;
        return this;
    }

    /// <summary>The complete frame, length prefix included.</summary>
    public ReadOnlySpan<byte> Frame
    {
        get
        {
            BinaryPrimitives.WriteUInt32LittleEndian(_buffer, (uint)(_length - 4));
            return _buffer.AsSpan(0, _length);
        }
    }

    /// <summary>Appends a byte.</summary>
    public FrameWriter U8(byte value)
    {
        Reserve(1)[0] = value;
        return this;
    }

    /// <summary>Appends a 32-bit signed integer.</summary>
    public FrameWriter I32(int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(Reserve(4), value);
        return this;
    }

    /// <summary>Appends a 32-bit unsigned integer.</summary>
    public FrameWriter U32(uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(Reserve(4), value);
        return this;
    }

    /// <summary>Appends a 64-bit signed integer.</summary>
    public FrameWriter I64(long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(Reserve(8), value);
        return this;
    }

    /// <summary>Appends a 64-bit unsigned integer.</summary>
    public FrameWriter U64(ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(Reserve(8), value);
        return this;
    }

    /// <summary>Appends a length-prefixed byte string.</summary>
    public FrameWriter Bytes(ReadOnlySpan<byte> bytes)
    {
        U32((uint)bytes.Length);
        bytes.CopyTo(Reserve(bytes.Length));
        return this;
    }

    /// <summary>Appends a length-prefixed UTF-8 string.</summary>
    public FrameWriter String(string value)
    {
        var n = Encoding.UTF8.GetByteCount(value);
        U32((uint)n);
        Encoding.UTF8.GetBytes(value, Reserve(n));
        return this;
    }

    /// <summary>Grows the buffer as needed and returns the next <paramref name="count"/> bytes.</summary>
    private Span<byte> Reserve(int count)
    {
        if (_length + count > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + count));
        }

        var span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }
}
