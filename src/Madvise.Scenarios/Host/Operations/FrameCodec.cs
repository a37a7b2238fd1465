using Madvise.Abi;

namespace Madvise.Scenarios.Host;

/// <summary>
/// Reads or writes the fields of one agent frame (<see cref="AgentProtocol"/>) in the order
/// they are named, so that one method describes a layout for both directions: a
/// <see cref="HostOperation"/> lists its request and reply fields once, and the same list
/// encodes them on the target's side and decodes them on the agent's (and back for replies).
/// </summary>
internal ref struct FrameCodec
{
    /// <summary>The frame being written, or null when reading.</summary>
    private readonly FrameWriter? _writer;

    /// <summary>The frame being read (unused when writing).</summary>
    private FrameReader _reader;

    private FrameCodec(FrameWriter? writer, FrameReader reader)
    {
        _writer = writer;
        _reader = reader;
    }

    /// <summary>True when the fields are read from a frame (the variables are assigned).</summary>
    public readonly bool IsReading => _writer is null;

    /// <summary>Appends the fields to <paramref name="writer"/>.</summary>
    public static FrameCodec Writing(FrameWriter writer) => new(writer, default);

    /// <summary>Reads the fields from <paramref name="reader"/>, where it stands.</summary>
    public static FrameCodec Reading(FrameReader reader) => new(null, reader);

    /// <summary>A byte.</summary>
    public void U8(ref byte value)
    {
        if (_writer is null)
        {
            value = _reader.U8();
        }
        else
        {
            _writer.U8(value);
        }
    }

    /// <summary>A boolean, as one byte 0 or 1.</summary>
    public void Bool(ref bool value)
    {
        byte b = value ? (byte)1 : (byte)0;
        U8(ref b);
        value = b != 0;
    }

    /// <summary>A 32-bit signed integer.</summary>
    public void I32(ref int value)
    {
        if (_writer is null)
        {
            value = _reader.I32();
        }
        else
        {
            _writer.I32(value);
        }
    }

    /// <summary>A 32-bit unsigned integer.</summary>
    public void U32(ref uint value)
    {
        if (_writer is null)
        {
            value = _reader.U32();
        }
        else
        {
            _writer.U32(value);
        }
    }

    /// <summary>A 64-bit signed integer.</summary>
    public void I64(ref long value)
    {
        if (_writer is null)
        {
            value = _reader.I64();
        }
        else
        {
            _writer.I64(value);
        }
    }

    /// <summary>A 64-bit unsigned integer.</summary>
    public void U64(ref ulong value)
    {
        if (_writer is null)
        {
            value = _reader.U64();
        }
        else
        {
            _writer.U64(value);
        }
    }

    /// <summary>An advice number, as a 32-bit integer (the kernel sees an int).</summary>
    public void Advice(ref MemoryAdvice value)
    {
        var number = (int)value;
        I32(ref number);
        value = (MemoryAdvice)number;
    }

    /// <summary>A length-prefixed UTF-8 string.</summary>
    public void String(ref string value)
    {
        if (_writer is null)
        {
            value = _reader.String();
        }
        else
        {
            _writer.String(value);
        }
    }

    /// <summary>A length-prefixed byte string.</summary>
    public void Bytes(ref byte[] value)
    {
        if (_writer is null)
        {
            value = _reader.Bytes().ToArray();
        }
        else
        {
            _writer.Bytes(value);
        }
    }

    /// <summary>The element count of a list that follows, as a 32-bit integer.</summary>
    public void Count(ref int count)
    {
        var n = (uint)count;
        U32(ref n);
        count = checked((int)n);
    }
}
