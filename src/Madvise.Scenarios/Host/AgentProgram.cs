using System.Globalization;
using Madvise.Host;
using Madvise.Abi;

namespace Madvise.Scenarios.Host;

/// <summary>
/// The agent side of the host target: <c>madv agent cpu=N parent=PID</c>, started by
/// <see cref="HostScenarioTarget"/> for each <c>task</c>, runs that task's steps (see
/// <see cref="AgentProtocol"/>) on its main thread.
/// </summary>
public static class AgentProgram
{
    /// <summary>
    /// Reads requests on standard input and answers on standard output (both are one socket,
    /// so that descriptors can travel) until end of file or an
    /// <c>exit</c> request. Every step runs on the calling thread, pinned to CPU N: capset
    /// changes only the calling thread's capabilities, and LRU batches are per CPU.
    /// </summary>
    /// <param name="args">The arguments after (or including) <c>agent</c>: <c>cpu=N</c>, <c>parent=PID</c>.</param>
    /// <returns>The process exit code: 0, or 2 for bad arguments.</returns>
    public static int Run(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var cpu = -1;
        var parent = 0;
        foreach (var arg in args)
        {
            if (arg == "agent")
            {
                continue;
            }

            if (arg.StartsWith("cpu=", StringComparison.Ordinal) && int.TryParse(arg.AsSpan(4), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out cpu))
            {
                continue;
            }

            if (arg.StartsWith("parent=", StringComparison.Ordinal) && int.TryParse(arg.AsSpan(7), NumberStyles.None, CultureInfo.InvariantCulture, out parent))
            {
                continue;
            }

            Console.Error.WriteLine($"madv agent: unknown argument '{arg}' (expected cpu=N parent=PID)");
            return 2;
        }

        if (!WatchParent(parent))
        {
            return 0;
        }

        if (cpu >= 0)
        {
            HostSyscalls.PinCurrentThread(cpu);
        }

        using var channel = new AgentChannel(input: 0, output: 1, ownsSocket: false);
        using var executor = new TaskExecutor();
        var writer = new FrameWriter();
        if (channel.Send(writer.Reset().I32(HostSyscalls.GetPid()).Frame, []) < 0)
        {
            return 0;
        }

        var received = new List<int>();
        while (true)
        {
            received.Clear();
            if (channel.Receive(received) <= 0)
            {
                return 0;
            }

            var request = new FrameReader(channel.Payload);
            var op = request.U8();
            var count = request.U8();
            for (var i = 0; i < count; i++)
            {
                var id = request.I32();
                if (i < received.Count)
                {
                    executor.AddDescriptor(id, received[i]);
                }
            }

            for (var i = count; i < received.Count; i++)
            {
                HostSyscalls.Close(received[i]);
            }

            if (op == AgentProtocol.Exit)
            {
                return 0;
            }

            writer.Reset();
            var attach = Serve(op, ref request, executor, writer, parent);
            ReadOnlySpan<int> fds = attach >= 0 ? [attach] : [];
            if (channel.Send(writer.Frame, fds) < 0)
            {
                return 0;
            }
        }
    }

    /// <summary>
    /// Asks the kernel to kill this process when the target's step thread (its parent thread)
    /// ends, then checks the parent has not already gone. Linux clears the setting on every
    /// credential change, so <c>setuid</c> calls this again.
    /// </summary>
    private static bool WatchParent(int parent)
    {
        HostSyscalls.SetParentDeathSignal(HostSyscalls.SIGKILL);
        return parent == 0 || HostSyscalls.GetParentPid() == parent;
    }

    /// <summary>Runs one request and writes its reply; returns a descriptor to attach to the reply, or -1.</summary>
    private static int Serve(byte op, ref FrameReader request, TaskExecutor executor, FrameWriter reply, int parent)
    {
        switch (op)
        {
            case AgentProtocol.Mmap:
            {
                var (addr, len, prot, flags, file, off) = (request.U64(), request.U64(), request.I32(), request.I32(), request.I32(), request.U64());
                var r = executor.Mmap(addr, len, prot, flags, file, off, out var mapped);
                if (Reply(reply, executor, r))
                {
                    reply.U64(mapped);
                }

                return -1;
            }

            case AgentProtocol.Munmap:
                Reply(reply, executor, executor.Munmap(request.U64(), request.U64()));
                return -1;
            case AgentProtocol.Mprotect:
                Reply(reply, executor, executor.Mprotect(request.U64(), request.U64(), request.I32()));
                return -1;
            case AgentProtocol.Mlock:
                Reply(reply, executor, executor.Mlock(request.U64(), request.U64()));
                return -1;
            case AgentProtocol.Munlock:
                Reply(reply, executor, executor.Munlock(request.U64(), request.U64()));
                return -1;
            case AgentProtocol.Madvise:
                Reply(reply, executor, executor.Madvise(request.U64(), request.U64(), (MemoryAdvice)request.I32()));
                return -1;
            case AgentProtocol.ProcessMadvise:
            {
                var pidfd = new PidfdReference((PidfdKind)request.U8(), request.I64());
                var vector = ReadVector(ref request);
                Reply(reply, executor, executor.ProcessMadvise(pidfd, vector, (MemoryAdvice)request.I32(), request.U64()));
                return -1;
            }

            case AgentProtocol.CreateFile:
            {
                var (id, len, fill, memfd) = (request.I32(), request.U64(), request.U8(), request.U8() != 0);
                Reply(reply, executor, executor.CreateFile(id, request.String(), len, fill, memfd));
                return -1;
            }

            case AgentProtocol.OpenPidfd:
                Reply(reply, executor, executor.OpenPidfd(request.I32(), request.I32()));
                return -1;
            case AgentProtocol.Write:
                Reply(reply, executor, executor.Write(request.U64(), request.U64(), request.U8()));
                return -1;
            case AgentProtocol.Read:
            {
                var runs = new ByteRuns();
                if (Reply(reply, executor, executor.Read(request.U64(), request.U64(), runs.Append)))
                {
                    reply.String(runs.ToString());
                }

                return -1;
            }

            case AgentProtocol.Mincore:
            {
                var (addr, len) = (request.U64(), request.U64());
                var vec = new byte[request.U32()];
                var r = executor.Mincore(addr, len, vec);

                // -EFAULT: the kernel filled the writable part of the vector (ITargetTask.Mincore).
                if (Reply(reply, executor, r) || r == -Errno.EFAULT)
                {
                    reply.Bytes(vec);
                }

                return -1;
            }

            case AgentProtocol.Vmas:
            {
                var list = new List<MappingInfo>();
                if (Reply(reply, executor, executor.Vmas(request.U64(), request.U64(), list)))
                {
                    reply.U32((uint)list.Count);
                    foreach (var m in list)
                    {
                        reply.U64(m.Start).U64(m.End).String(m.Perms).U8((byte)m.Flags.Count);
                        foreach (var flag in m.Flags)
                        {
                            reply.String(flag);
                        }
                    }
                }

                return -1;
            }

            case AgentProtocol.SetUid:
            {
                var r = executor.SetUid(request.U32());
                if (r == 0)
                {
                    WatchParent(parent);
                }

                Reply(reply, executor, r);
                return -1;
            }

            case AgentProtocol.DropCapability:
                Reply(reply, executor, executor.DropCapability(request.I32()));
                return -1;
            case AgentProtocol.GetDescriptor:
                if (executor.TryGetDescriptor(request.I32(), out var fd))
                {
                    Reply(reply, executor, 0);
                    return fd;
                }

                Reply(reply, executor, -Errno.EBADF);
                return -1;
            default:
                throw new InvalidDataException($"Unknown agent request {op}.");
        }
    }

    /// <summary>Writes the result; true when the op's reply fields follow (a success; a refusal carries its reason instead).</summary>
    private static bool Reply(FrameWriter reply, TaskExecutor executor, long result)
    {
        reply.I64(result);
        if (result == TargetResult.NotSupported)
        {
            reply.String(executor.LastRefusal ?? "refused");
            return false;
        }

        return result >= 0;
    }

    /// <summary>Reads a vector: kind, then its fields (<see cref="AgentProtocol.ProcessMadvise"/>).</summary>
    private static VectorArgument ReadVector(ref FrameReader request)
    {
        switch (request.U8())
        {
            case AgentProtocol.VectorList:
            {
                var entries = new (ulong Base, ulong Length)[request.U32()];
                for (var i = 0; i < entries.Length; i++)
                {
                    entries[i] = (request.U64(), request.U64());
                }

                return new VectorArgument.List(entries);
            }

            case AgentProtocol.VectorSeq:
                return new VectorArgument.Seq(request.U64(), request.U64(), request.U64(), request.U64());
            case AgentProtocol.VectorBadPointer:
                return new VectorArgument.BadPointer(request.U64());
            default:
                throw new InvalidDataException("Unknown vector kind.");
        }
    }
}
