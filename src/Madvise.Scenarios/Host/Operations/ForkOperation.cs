namespace Madvise.Scenarios.Host;

/// <summary>
/// The <c>fork</c> step in an agent: i32 socketId (the child's end of a socket, attached as
/// that descriptor id) → result = the child's pid; reply: u64 arenaBottom, u64 arenaTop,
/// u32 n, n × (u64 start, u64 end), u32 m, m × (i32 id, i32 fd): what the child inherited
/// (<see cref="TaskExecutor.ForkState"/>).
/// </summary>
/// <remarks>
/// The agent forks itself (<see cref="NativeFork"/>) with CLONE_PARENT: the child, a fork
/// server, is a child of the target's process. Only agents run it; task <c>self</c> and forked
/// tasks fork without an operation (<see cref="HostTask.Fork"/>).
/// </remarks>
internal sealed class ForkOperation : HostOperation
{
    /// <summary>The descriptor id the socket travels under.</summary>
    public int Socket;

    /// <summary>Reply: the state the child starts from.</summary>
    public TaskExecutor.ForkState State = new(0, 0, [], []);

    /// <inheritdoc/>
    public override void Request(ref FrameCodec frame) => frame.I32(ref Socket);

    /// <inheritdoc/>
    public override long Run(TaskExecutor executor)
    {
        if (!executor.TryTakeDescriptor(Socket, out var socket))
        {
            return -Errno.EBADF;
        }

        var pid = NativeFork.Unavailable is null ? NativeFork.Fork(socket, executor.DescriptorNumbers(), cloneParent: true) : -Errno.ENOSYS;
        HarnessSyscalls.Close(socket);
        State = executor.StateForFork();
        return pid;
    }

    /// <inheritdoc/>
    public override void Reply(ref FrameCodec frame)
    {
        var (bottom, top) = (State.ArenaBottom, State.ArenaTop);
        frame.U64(ref bottom);
        frame.U64(ref top);
        var owned = State.Owned.Count;
        frame.Count(ref owned);
        var ranges = new (ulong, ulong)[owned];
        for (var i = 0; i < owned; i++)
        {
            var (start, end) = frame.IsReading ? default : State.Owned[i];
            frame.U64(ref start);
            frame.U64(ref end);
            ranges[i] = (start, end);
        }

        var held = State.Descriptors.Count;
        frame.Count(ref held);
        var descriptors = new (int, int)[held];
        for (var i = 0; i < held; i++)
        {
            var (id, fd) = frame.IsReading ? default : State.Descriptors[i];
            frame.I32(ref id);
            frame.I32(ref fd);
            descriptors[i] = (id, fd);
        }

        if (frame.IsReading)
        {
            State = new TaskExecutor.ForkState(bottom, top, ranges, descriptors);
        }
    }
}
