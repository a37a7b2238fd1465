namespace Madvise.Scenarios.Host;

internal static unsafe partial class HarnessSyscalls
{
    /// <summary>The most descriptors one message of <see cref="SendWithDescriptors"/> carries.</summary>
    internal const int MaxDescriptorsPerMessage = 16;

    /// <summary>A connected AF_UNIX stream socket pair, both ends close-on-exec.</summary>
    internal static long SocketPair(out int first, out int second)
    {
        var fds = stackalloc int[2];
        var r = Interop.Libc.SocketPair(Interop.Libc.AF_UNIX, Interop.Libc.SOCK_STREAM | Interop.Libc.SOCK_CLOEXEC, 0, fds);
        first = fds[0];
        second = fds[1];
        return Result(r);
    }

    /// <summary>
    /// Sends all of <paramref name="data"/>; the descriptors (SCM_RIGHTS) travel with its first byte.
    /// </summary>
    /// <returns>0, or a negative errno (EPIPE when the peer is gone; no SIGPIPE).</returns>
    internal static long SendWithDescriptors(int socket, ReadOnlySpan<byte> data, ReadOnlySpan<int> descriptors)
    {
        if (descriptors.Length > MaxDescriptorsPerMessage)
        {
            throw new ArgumentException($"At most {MaxDescriptorsPerMessage} descriptors per message.", nameof(descriptors));
        }

        if (data.IsEmpty)
        {
            throw new ArgumentException("Descriptors need at least one data byte to travel with.", nameof(data));
        }

        var control = stackalloc byte[Interop.CmsgHdr.Space(MaxDescriptorsPerMessage * sizeof(int))];
        fixed (byte* d = data)
        {
            var sent = 0;
            while (sent < data.Length)
            {
                var iov = new Interop.IoVec { Base = d + sent, Length = (nuint)(data.Length - sent) };
                var msg = new Interop.MsgHdr { Iov = &iov, IovLength = 1 };
                if (sent == 0 && !descriptors.IsEmpty)
                {
                    var payload = descriptors.Length * sizeof(int);
                    var header = (Interop.CmsgHdr*)control;
                    header->Length = (nuint)Interop.CmsgHdr.Len(payload);
                    header->Level = Interop.SOL_SOCKET;
                    header->Type = Interop.SCM_RIGHTS;
                    descriptors.CopyTo(new Span<int>(control + Interop.CmsgHdr.Size, descriptors.Length));
                    msg.Control = control;
                    msg.ControlLength = (nuint)Interop.CmsgHdr.Space(payload);
                }

                var n = Interop.Libc.SendMsg(socket, &msg, Interop.MSG_NOSIGNAL);
                if (n < 0)
                {
                    var e = LastError();
                    if (e == -Abi.Errno.EINTR)
                    {
                        continue;
                    }

                    return e;
                }

                sent += (int)n;
            }
        }

        return 0;
    }

    /// <summary>
    /// Receives up to <paramref name="into"/>.Length bytes (at least one unless the peer closed)
    /// and any descriptors that travel with them; received descriptors are close-on-exec.
    /// </summary>
    /// <param name="socket">A connected stream socket.</param>
    /// <param name="into">Data buffer.</param>
    /// <param name="descriptors">Receives the descriptors; extra ones beyond its length are closed.</param>
    /// <param name="descriptorCount">How many entries of <paramref name="descriptors"/> were filled.</param>
    /// <returns>Bytes received (0 = the peer closed), or a negative errno.</returns>
    internal static long ReceiveWithDescriptors(int socket, Span<byte> into, Span<int> descriptors, out int descriptorCount)
    {
        descriptorCount = 0;
        var controlSize = Interop.CmsgHdr.Space(MaxDescriptorsPerMessage * sizeof(int));
        var control = stackalloc byte[controlSize];
        fixed (byte* d = into)
        {
            while (true)
            {
                var iov = new Interop.IoVec { Base = d, Length = (nuint)into.Length };
                var msg = new Interop.MsgHdr { Iov = &iov, IovLength = 1, Control = control, ControlLength = (nuint)controlSize };
                var n = Interop.Libc.RecvMsg(socket, &msg, Interop.MSG_CMSG_CLOEXEC);
                if (n < 0)
                {
                    var e = LastError();
                    if (e == -Abi.Errno.EINTR)
                    {
                        continue;
                    }

                    return e;
                }

                if (msg.ControlLength >= (nuint)Interop.CmsgHdr.Size)
                {
                    var header = (Interop.CmsgHdr*)control;
                    if (header->Level == Interop.SOL_SOCKET && header->Type == Interop.SCM_RIGHTS)
                    {
                        var count = (int)(header->Length - Interop.CmsgHdr.Size) / sizeof(int);
                        var fds = (int*)(control + Interop.CmsgHdr.Size);
                        for (var i = 0; i < count; i++)
                        {
                            if (descriptorCount < descriptors.Length)
                            {
                                descriptors[descriptorCount++] = fds[i];
                            }
                            else
                            {
                                Interop.Libc.Close(fds[i]);
                            }
                        }
                    }
                }

                return n;
            }
        }
    }
}
