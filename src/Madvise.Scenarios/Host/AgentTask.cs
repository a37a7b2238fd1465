using System.Globalization;
using Madvise.Host;
using Madvise.Abi;

namespace Madvise.Scenarios.Host;

/// <summary>
/// A task created by <c>task NAME</c>: an agent process (<c>madv agent</c>, see
/// <see cref="AgentProtocol"/>) that runs the task's steps on its one thread.
/// </summary>
/// <remarks>
/// Used on the target's step thread only (the public methods hand themselves over to it), so
/// the channel, the descriptor bookkeeping and the exit state need no lock.
/// </remarks>
internal sealed class AgentTask : ITargetTask
{
    /// <summary>How long <c>exit</c> waits for the agent before killing it.</summary>
    private const int ExitTimeoutMilliseconds = 10_000;

    /// <summary>The target this task belongs to.</summary>
    private readonly HostScenarioTarget _target;

    /// <summary>The socket to the agent.</summary>
    private readonly AgentChannel _channel;

    /// <summary>A pidfd of the agent: to wait for its exit and to kill it; stays open after it exits so it remains a zombie we can reap.</summary>
    private readonly SafePidfdHandle _pidfd;

    /// <summary>Request builder, reused.</summary>
    private readonly FrameWriter _writer = new();

    /// <summary>Descriptors received with the last reply.</summary>
    private readonly List<int> _received = [];

    /// <summary>Descriptor ids the agent holds (it created them or was sent a duplicate).</summary>
    private readonly HashSet<int> _held = [];

    /// <summary>Descriptors attached to the request being built: (id, descriptor in this process).</summary>
    private readonly List<(int Id, int Fd)> _attach = [];

    /// <summary>Set when the process was reaped.</summary>
    private bool _reaped;

    /// <summary>Wraps a started agent.</summary>
    public AgentTask(HostScenarioTarget target, string name, int pid, AgentChannel channel, SafePidfdHandle pidfd)
    {
        _target = target;
        Name = name;
        Pid = pid;
        _channel = channel;
        _pidfd = pidfd;
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>The agent's pid.</summary>
    public int Pid { get; }

    /// <inheritdoc/>
    public bool HasExited { get; private set; }

    /// <summary><c>exit</c>: tells the agent to exit and waits until it has (it stays a zombie until the target is disposed).</summary>
    public long Exit() => _target.Run(() =>
    {
        if (HasExited)
        {
            return -Errno.ESRCH;
        }

        Begin(AgentProtocol.Exit);
        _channel.Send(_writer.Frame, []);
        WaitForExit(ExitTimeoutMilliseconds);
        return 0L;
    });

    /// <inheritdoc/>
    public long SetUid(uint uid) => _target.Run(() =>
    {
        Begin(AgentProtocol.SetUid).U32(uid);
        return Call(out _);
    });

    /// <inheritdoc/>
    public long DropCapability(int capability) => _target.Run(() =>
    {
        Begin(AgentProtocol.DropCapability).I32(capability);
        return Call(out _);
    });

    /// <inheritdoc/>
    public long Mmap(ulong addr, ulong length, int prot, int flags, ITargetFile? file, ulong offset, out ulong mapped)
    {
        var (r, m) = _target.Run(() =>
        {
            var id = -1;
            if (file is not null)
            {
                var descriptor = HostScenarioTarget.Cast(file);
                Pass(descriptor);
                id = descriptor.Id;
            }

            Begin(AgentProtocol.Mmap).U64(addr).U64(length).I32(prot).I32(flags).I32(id).U64(offset);
            var result = Call(out var reply);
            return (result, result == 0 ? reply.U64() : 0UL);
        });
        mapped = m;
        return r;
    }

    /// <inheritdoc/>
    public long Munmap(ulong addr, ulong length) => Range(AgentProtocol.Munmap, addr, length);

    /// <inheritdoc/>
    public long Mprotect(ulong addr, ulong length, int prot) => _target.Run(() =>
    {
        Begin(AgentProtocol.Mprotect).U64(addr).U64(length).I32(prot);
        return Call(out _);
    });

    /// <inheritdoc/>
    public long Mlock(ulong addr, ulong length) => Range(AgentProtocol.Mlock, addr, length);

    /// <inheritdoc/>
    public long Munlock(ulong addr, ulong length) => Range(AgentProtocol.Munlock, addr, length);

    /// <inheritdoc/>
    public long Madvise(ulong addr, ulong length, MemoryAdvice advice) => _target.Run(() =>
    {
        Begin(AgentProtocol.Madvise).U64(addr).U64(length).I32((int)advice);
        return Call(out _);
    });

    /// <inheritdoc/>
    public long ProcessMadvise(PidfdArgument pidfd, VectorArgument vector, MemoryAdvice advice, ulong flags) => _target.Run(() =>
    {
        var reference = PidfdReference.From(pidfd, Pass);
        var w = Begin(AgentProtocol.ProcessMadvise).U8((byte)reference.Kind).I64(reference.Value);
        switch (vector)
        {
            case VectorArgument.List list:
                w.U8(AgentProtocol.VectorList).U32((uint)list.Entries.Count);
                foreach (var (b, l) in list.Entries)
                {
                    w.U64(b).U64(l);
                }

                break;
            case VectorArgument.Seq seq:
                w.U8(AgentProtocol.VectorSeq).U64(seq.Start).U64(seq.Length).U64(seq.Stride).U64(seq.Count);
                break;
            case VectorArgument.BadPointer bad:
                w.U8(AgentProtocol.VectorBadPointer).U64(bad.Count);
                break;
            default:
                throw new ArgumentException($"Unknown vector {vector}.", nameof(vector));
        }

        w.I32((int)advice).U64(flags);
        return Call(out _);
    });

    /// <inheritdoc/>
    public long CreateFile(string name, ulong length, byte fill, bool memfd, out ITargetFile? file)
    {
        var (r, f) = _target.Run(() =>
        {
            var id = _target.NextDescriptorId();
            Begin(AgentProtocol.CreateFile).I32(id).U64(length).U8(fill).U8(memfd ? (byte)1 : (byte)0).String(name);
            var result = Call(out _);
            if (result != 0)
            {
                return (result, (HostFile?)null);
            }

            _held.Add(id);
            return (result, new HostFile(id, name, this));
        });
        file = f;
        return r;
    }

    /// <inheritdoc/>
    public long OpenPidfd(ITargetTask target, out ITargetPidfd? pidfd)
    {
        var (r, p) = _target.Run(() =>
        {
            var id = _target.NextDescriptorId();
            Begin(AgentProtocol.OpenPidfd).I32(id).I32(HostScenarioTarget.PidOf(target));
            var result = Call(out _);
            if (result != 0)
            {
                return (result, (HostPidfd?)null);
            }

            _held.Add(id);
            return (result, new HostPidfd(id, this, target));
        });
        pidfd = p;
        return r;
    }

    /// <inheritdoc/>
    public long Write(ulong addr, ulong length, byte value) => _target.Run(() =>
    {
        Begin(AgentProtocol.Write).U64(addr).U64(length).U8(value);
        return Call(out _);
    });

    /// <inheritdoc/>
    public long Read(ulong addr, ulong length, ByteRuns into) => _target.Run(() =>
    {
        Begin(AgentProtocol.Read).U64(addr).U64(length);
        var result = Call(out var reply);
        if (result == 0)
        {
            AppendRuns(reply.String(), into);
        }

        return result;
    });

    /// <inheritdoc/>
    public long Mincore(ulong addr, ulong length, Span<byte> vec)
    {
        var vecLength = (uint)vec.Length;
        var (r, bytes) = _target.Run(() =>
        {
            Begin(AgentProtocol.Mincore).U64(addr).U64(length).U32(vecLength);
            var result = Call(out var reply);
            return (result, result == 0 || result == -Errno.EFAULT ? reply.Bytes().ToArray() : []);
        });
        bytes.AsSpan(0, Math.Min(bytes.Length, vec.Length)).CopyTo(vec);
        return r;
    }

    /// <inheritdoc/>
    public long Vmas(ulong addr, ulong length, List<MappingInfo> into) => _target.Run(() =>
    {
        Begin(AgentProtocol.Vmas).U64(addr).U64(length);
        var result = Call(out var reply);
        if (result != 0)
        {
            return result;
        }

        var n = reply.U32();
        for (var i = 0; i < n; i++)
        {
            var start = reply.U64();
            var end = reply.U64();
            var perms = reply.String();
            var flags = new string[reply.U8()];
            for (var k = 0; k < flags.Length; k++)
            {
                flags[k] = reply.String();
            }

            into.Add(new MappingInfo(start, end, perms, flags));
        }

        return result;
    });

    /// <summary>
    /// Asks the agent for a duplicate of descriptor <paramref name="id"/> (step thread only).
    /// </summary>
    /// <returns>The duplicate in this process, or -1 when the agent is gone or does not hold it.</returns>
    internal int FetchDescriptor(int id)
    {
        if (HasExited)
        {
            return -1;
        }

        Begin(AgentProtocol.GetDescriptor).I32(id);
        if (Call(out _) != 0 || _received.Count == 0)
        {
            return -1;
        }

        var fd = _received[0];
        _received.RemoveAt(0);
        return fd;
    }

    /// <summary>
    /// Ends the agent (step thread only): closes the channel, which it reads as end of file,
    /// kills it if it has not exited in time, and reaps it.
    /// </summary>
    internal void Shutdown(int graceMilliseconds)
    {
        _channel.Dispose();
        WaitForExit(graceMilliseconds);
        if (!_reaped)
        {
            HostSyscalls.WaitPid(Pid, noHang: false);
            _reaped = true;
        }

        _pidfd.Dispose();
    }

    /// <summary>Marks <paramref name="descriptor"/> to travel with the next request unless the agent already holds it.</summary>
    private void Pass(HostDescriptor descriptor)
    {
        if (_held.Contains(descriptor.Id))
        {
            return;
        }

        var fd = _target.DescriptorInSelf(descriptor);
        if (fd < 0)
        {
            return;
        }

        _attach.Add((descriptor.Id, fd));
        _held.Add(descriptor.Id);
    }

    /// <summary>Starts a request: op, then the ids of the descriptors marked by <see cref="Pass"/>.</summary>
    private FrameWriter Begin(byte op)
    {
        _writer.Reset().U8(op).U8((byte)_attach.Count);
        foreach (var (id, _) in _attach)
        {
            _writer.I32(id);
        }

        return _writer;
    }

    private long Range(byte op, ulong addr, ulong length) => _target.Run(() =>
    {
        Begin(op).U64(addr).U64(length);
        return Call(out _);
    });

    /// <summary>
    /// Sends the request built by <see cref="Begin"/> and reads the reply; -ESRCH when the agent
    /// has exited or its channel broke (it is then treated as exited).
    /// </summary>
    private long Call(out FrameReader reply)
    {
        reply = default;
        Span<int> fds = stackalloc int[_attach.Count];
        for (var i = 0; i < fds.Length; i++)
        {
            fds[i] = _attach[i].Fd;
        }

        _attach.Clear();
        foreach (var fd in _received)
        {
            HostSyscalls.Close(fd);
        }

        _received.Clear();
        if (HasExited || _channel.Send(_writer.Frame, fds) < 0 || _channel.Receive(_received) <= 0)
        {
            HasExited = true;
            return -Errno.ESRCH;
        }

        reply = new FrameReader(_channel.Payload);
        var result = reply.I64();
        if (result == TargetResult.NotSupported)
        {
            _target.LastSkipReason = reply.String();
        }

        return result;
    }

    /// <summary>Waits for the agent's pidfd to report its exit; kills it when the wait runs out.</summary>
    private void WaitForExit(int timeoutMilliseconds)
    {
        if (HostSyscalls.PollReadable(_pidfd.Fd, timeoutMilliseconds) <= 0)
        {
            HostSyscalls.PidfdSendSignal(_pidfd.Fd, HostSyscalls.SIGKILL);
            HostSyscalls.PollReadable(_pidfd.Fd, -1);
        }

        HasExited = true;
        _channel.Dispose();
    }

    /// <summary>Replays the canonical run-length text (<c>ab*4096,00*8192</c>) into <paramref name="into"/>.</summary>
    private static void AppendRuns(string runs, ByteRuns into)
    {
        foreach (var range in runs.AsSpan().Split(','))
        {
            var run = runs.AsSpan(range);
            if (run.IsEmpty)
            {
                continue;
            }

            var star = run.IndexOf('*');
            into.AppendRun(
                byte.Parse(run[..star], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture),
                ulong.Parse(run[(star + 1)..], NumberStyles.None, CultureInfo.InvariantCulture));
        }
    }
}
