using System.Buffers.Binary;
using Madvise.Host;
using Madvise.Kernel.Abi;

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

    /// <summary>The connected AF_UNIX stream socket; -1 once closed.</summary>
    private int _socket;

    /// <summary>Whether <see cref="Dispose"/> closes the socket (the agent's end is its standard input, which it leaves alone).</summary>
    private readonly bool _ownsSocket;

    /// <summary>Receive buffer; the last frame's payload is its first <see cref="_payloadLength"/> bytes.</summary>
    private byte[] _payload = new byte[4096];

    /// <summary>Length of the last received payload.</summary>
    private int _payloadLength;

    /// <summary>Wraps a connected socket.</summary>
    public AgentChannel(int socket, bool ownsSocket)
    {
        _socket = socket;
        _ownsSocket = ownsSocket;
    }

    /// <summary>The payload of the last frame <see cref="Receive"/> returned.</summary>
    public ReadOnlySpan<byte> Payload => _payload.AsSpan(0, _payloadLength);

    /// <summary>True until the socket is closed.</summary>
    public bool IsOpen => _socket >= 0;

    /// <summary>Sends one frame with <paramref name="descriptors"/> attached (duplicated into the peer; ours stay open).</summary>
    /// <returns>0, or a negative errno (-EPIPE when the peer is gone).</returns>
    public long Send(ReadOnlySpan<byte> frame, ReadOnlySpan<int> descriptors)
    {
        if (_socket < 0)
        {
            return -EPIPE;
        }

        return HostSyscalls.SendWithDescriptors(_socket, frame, descriptors);
    }

    /// <summary>Receives one frame into <see cref="Payload"/>; descriptors that came with it are appended to <paramref name="descriptors"/>.</summary>
    /// <returns>1 for a frame, 0 at end of file, or a negative errno.</returns>
    public long Receive(List<int> descriptors)
    {
        if (_socket < 0)
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
        if (_socket >= 0 && _ownsSocket)
        {
            HostSyscalls.Close(_socket);
        }

        _socket = -1;
    }

    /// <summary>Fills <paramref name="into"/>; 1 when full, 0 at end of file before any byte, or a negative errno.</summary>
    private long ReceiveExactly(Span<byte> into, List<int> descriptors)
    {
        Span<int> fds = stackalloc int[HostSyscalls.MaxDescriptorsPerMessage];
        var got = 0;
        while (got < into.Length)
        {
            var n = HostSyscalls.ReceiveWithDescriptors(_socket, into[got..], fds, out var count);
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
