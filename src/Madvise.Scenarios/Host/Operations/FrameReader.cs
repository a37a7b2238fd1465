using System.Buffers.Binary;
using System.Text;

namespace Madvise.Scenarios.Host;

/// <summary>Reads the fields of one received frame payload of the agent protocol (<see cref="AgentProtocol"/>).</summary>
internal ref struct FrameReader
{
    /// <summary>The bytes not read yet.</summary>
    private ReadOnlySpan<byte> _rest;

    /// <summary>Starts reading at the first byte of <paramref name="payload"/>.</summary>
    public FrameReader(ReadOnlySpan<byte> payload) => _rest = payload;

    /// <summary>Reads a byte.</summary>
    public byte U8() => Take(1)[0];

    /// <summary>Reads a 32-bit signed integer.</summary>
    public int I32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    /// <summary>Reads a 32-bit unsigned integer.</summary>
    public uint U32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

    /// <summary>Reads a 64-bit signed integer.</summary>
    public long I64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    /// <summary>Reads a 64-bit unsigned integer.</summary>
    public ulong U64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

    /// <summary>Reads a length-prefixed byte string.</summary>
    public ReadOnlySpan<byte> Bytes() => Take(checked((int)U32()));

    /// <summary>Reads a length-prefixed UTF-8 string.</summary>
    public string String() => Encoding.UTF8.GetString(Take(checked((int)U32())));

    /// <summary>Consumes <paramref name="count"/> bytes.</summary>
    /// <exception cref="InvalidDataException">The frame ends early.</exception>
    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > _rest.Length)
        {
            throw new InvalidDataException($"Agent frame too short: {count} more bytes wanted, {_rest.Length} left.");
        }

        var span = _rest[..count];
        _rest = _rest[count..];
        return span;
    }
}
