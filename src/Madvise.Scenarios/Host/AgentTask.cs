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
internal sealed class AgentTask : HostTask
{
    /// <summary>How long <c>exit</c> waits for the agent before killing it.</summary>
    private const int ExitTimeoutMilliseconds = 10_000;

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

    /// <summary>Set once the agent exited or its channel broke.</summary>
    private bool _exited;

    /// <summary>How the agent died without a clean <c>exit</c> (<see cref="CheckDeath"/>), once known.</summary>
    private string? _death;

    /// <summary>Wraps a started agent.</summary>
    public AgentTask(HostScenarioTarget target, string name, int pid, AgentChannel channel, SafePidfdHandle pidfd)
        : base(target, name, pid)
    {
        _channel = channel;
        _pidfd = pidfd;
    }

    /// <inheritdoc/>
    public override bool HasExited => _exited;

    /// <summary><c>exit</c>: tells the agent to exit and waits until it has (it stays a zombie until the target is disposed).</summary>
    public override long Exit() => Target.Run(() =>
    {
        if (HasExited)
        {
            return -Errno.ESRCH;
        }

        Begin(HostOperations.Exit);
        _channel.Send(_writer.Frame, []);
        if (!WaitForExit(ExitTimeoutMilliseconds))
        {
            _death = $"task {Name} (pid {Pid}) did not exit within {ExitTimeoutMilliseconds / 1000} s of 'exit' and was killed";
        }
        else if (ChildProcessEnd.Describe(Name, Pid, _pidfd.Fd) is var end && !end.EndsWith(" exited with status 0", StringComparison.Ordinal))
        {
            // It was already dead, or died on the way out.
            _death = end;
        }

        return 0L;
    });

    /// <summary>How the agent died, when it did (<see cref="ITargetTask.CheckDeath"/>); an agent that ended unnoticed is noticed here.</summary>
    public override string? CheckDeath() => Target.Run(() =>
    {
        if (!_exited && ChildProcessEnd.HasEnded(_pidfd.Fd))
        {
            NoticeEnd();
        }

        return _death;
    });

    /// <summary>Sends <paramref name="operation"/> to the agent and reads its reply fields after a result &gt;= 0.</summary>
    protected override long Invoke(HostOperation operation)
    {
        var request = FrameCodec.Writing(Begin(HostOperations.NumberOf(operation)));
        operation.Request(ref request);
        var result = Call(out var reply);
        if (result >= 0)
        {
            var fields = FrameCodec.Reading(reply);
            operation.Reply(ref fields);
        }

        return result;
    }

    /// <summary>Passes <paramref name="descriptor"/> with the next request unless the agent already holds it.</summary>
    protected override int Hold(HostDescriptor descriptor)
    {
        Pass(descriptor);
        return descriptor.Id;
    }

    /// <inheritdoc/>
    protected override void Created(int id) => _held.Add(id);

    /// <summary>
    /// <c>fork</c> run by this task (step thread only): the agent forks a fork server
    /// (<see cref="ForkOperation"/>), which becomes a child of this process (CLONE_PARENT).
    /// </summary>
    internal override ForkedTask? Fork(string name, out string? failure)
    {
        var r = HarnessSyscalls.SocketPair(out var ours, out var theirs);
        if (r < 0)
        {
            failure = Errno.Format(r);
            return null;
        }

        var operation = new ForkOperation { Socket = Target.NextDescriptorId() };
        _attach.Add((operation.Socket, theirs));
        r = Invoke(operation);
        HarnessSyscalls.Close(theirs);
        if (r < 0)
        {
            HarnessSyscalls.Close(ours);
            failure = r == TargetResult.NotSupported ? "SKIP(" + Target.LastSkipReason + ")" : Errno.Format(r);
            return null;
        }

        var server = ForkServer.Connect(ours, (int)r, out failure);
        return server is null ? null : new ForkedTask(Target, name, server, TaskExecutor.ForChild(server, operation.State));
    }

    /// <summary>
    /// Asks the agent for a duplicate of descriptor <paramref name="id"/> (step thread only).
    /// </summary>
    /// <returns>The duplicate in this process, or -1 when the agent is gone or does not hold it.</returns>
    internal override int FetchDescriptor(int id)
    {
        if (HasExited)
        {
            return -1;
        }

        if (Invoke(new GetDescriptorOperation { Id = id }) != 0 || _received.Count == 0)
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
            HarnessSyscalls.WaitPid(Pid, noHang: false);
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

        var fd = Target.DescriptorInSelf(descriptor);
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
            HarnessSyscalls.Close(fd);
        }

        _received.Clear();
        if (HasExited)
        {
            return -Errno.ESRCH;
        }

        if (_channel.Send(_writer.Frame, fds) < 0 || _channel.Receive(_received) <= 0)
        {
            NoticeEnd();
            return -Errno.ESRCH;
        }

        reply = new FrameReader(_channel.Payload);
        var result = reply.I64();
        if (result == TargetResult.NotSupported)
        {
            Target.LastSkipReason = reply.String();
        }

        return result;
    }

    /// <summary>
    /// The agent ended without <c>exit</c> (its channel broke, or its pidfd says so): it is
    /// treated as exited from here on, and <see cref="_death"/> says how it ended.
    /// </summary>
    private void NoticeEnd()
    {
        _exited = true;
        _channel.Dispose();
        _death = ChildProcessEnd.Describe(Name, Pid, _pidfd.Fd);
    }

    /// <summary>Waits for the agent's pidfd to report its exit; kills it when the wait runs out.</summary>
    /// <returns>True when it exited within the time, false when it had to be killed.</returns>
    private bool WaitForExit(int timeoutMilliseconds)
    {
        var exited = HarnessSyscalls.PollReadable(_pidfd.Fd, timeoutMilliseconds) > 0;
        if (!exited)
        {
            HarnessSyscalls.PidfdSendSignal(_pidfd.Fd, HarnessSyscalls.SIGKILL);
            HarnessSyscalls.PollReadable(_pidfd.Fd, -1);
        }

        _exited = true;
        _channel.Dispose();
        return exited;
    }
}
