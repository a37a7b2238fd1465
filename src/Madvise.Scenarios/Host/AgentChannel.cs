using System.Buffers.Binary;
using Madvise.Host;
using Madvise.Abi;

namespace Madvise.Scenarios.Host;

/// <summary>
/// One end of the agent protocol's socket (<see cref="AgentProtocol"/>): sends and receives
/// length-prefixed frames with descriptors attached.
/// </summary>
/// <remarks>Not thread-safe: one request is in flight at a time, sent and answered on one thread.</remarks>
internal sealed class AgentChannel : IDisposable
{
    /// <summary>EPIPE (not among the errno values the scenario ABI lists).</summary>
    private const int EPIPE = 32;

    /// <summary>The descriptor frames arrive on (the connected AF_UNIX stream socket, or in the agent its standard input); -1 once closed.</summary>
    private int _input;

    /// <summary>The descriptor frames leave by: the same socket, or in the agent its standard output (a duplicate of it).</summary>
    private int _output;

    /// <summary>Whether <see cref="Dispose"/> closes the socket (the agent leaves its standard input and output alone).</summary>
    private readonly bool _ownsSocket;

    /// <summary>Receive buffer; the last frame's payload is its first <see cref="_payloadLength"/> bytes.</summary>
    private byte[] _payload = new byte[4096];

    /// <summary>Length of the last received payload.</summary>
    private int _payloadLength;

    /// <summary>Wraps a connected socket used in both directions.</summary>
    public AgentChannel(int socket, bool ownsSocket)
        : this(socket, socket, ownsSocket)
    {
    }

    /// <summary>Wraps a socket that arrives as two descriptors (the agent's standard input and output).</summary>
    public AgentChannel(int input, int output, bool ownsSocket)
    {
        _input = input;
        _output = output;
        _ownsSocket = ownsSocket;
    }

    /// <summary>The payload of the last frame <see cref="Receive"/> returned.</summary>
    public ReadOnlySpan<byte> Payload => _payload.AsSpan(0, _payloadLength);

    /// <summary>Sends one frame with <paramref name="descriptors"/> attached (duplicated into the peer; ours stay open).</summary>
    /// <returns>0, or a negative errno (-EPIPE when the peer is gone).</returns>
    public long Send(ReadOnlySpan<byte> frame, ReadOnlySpan<int> descriptors)
    {
        if (_input < 0)
        {
            return -EPIPE;
        }

        return HarnessSyscalls.SendWithDescriptors(_output, frame, descriptors);
    }

    /// <summary>Receives one frame into <see cref="Payload"/>; descriptors that came with it are appended to <paramref name="descriptors"/>.</summary>
    /// <returns>1 for a frame, 0 at end of file, or a negative errno.</returns>
    public long Receive(List<int> descriptors)
    {
        if (_input < 0)
        {
            return 0;
        }

        Span<byte> header = stackalloc byte[4];
        var r = ReceiveExactly(header, descriptors);
        if (r <= 0)
        {
            return r;
        }

        var length = BinaryPrimitives.ReadUInt32LittleEndian(header);
        if (length > AgentProtocol.MaxFrame)
        {
            return -Errno.EIO;
        }

        if (length > _payload.Length)
        {
            _payload = new byte[Math.Max(length, (uint)_payload.Length * 2)];
        }

        _payloadLength = (int)length;
        if (length == 0)
        {
            return 1;
        }

        r = ReceiveExactly(_payload.AsSpan(0, (int)length), descriptors);
        return r == 0 ? -Errno.EIO : r;
    }

    /// <summary>Closes the socket (when owned); the peer reads end of file.</summary>
    public void Dispose()
    {
        if (_input >= 0 && _ownsSocket)
        {
            HarnessSyscalls.Close(_input);
        }

        _input = -1;
        _output = -1;
    }

    /// <summary>Fills <paramref name="into"/>; 1 when full, 0 at end of file before any byte, or a negative errno.</summary>
    private long ReceiveExactly(Span<byte> into, List<int> descriptors)
    {
        Span<int> fds = stackalloc int[HarnessSyscalls.MaxDescriptorsPerMessage];
        var got = 0;
        while (got < into.Length)
        {
            var n = HarnessSyscalls.ReceiveWithDescriptors(_input, into[got..], fds, out var count);
            for (var i = 0; i < count; i++)
            {
                descriptors.Add(fds[i]);
            }

            if (n < 0)
            {
                return n;
            }

            if (n == 0)
            {
                return got == 0 ? 0 : -Errno.EIO;
            }

            got += (int)n;
        }

        return 1;
    }
}
