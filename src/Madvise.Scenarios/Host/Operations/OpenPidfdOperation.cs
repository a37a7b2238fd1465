namespace Madvise.Scenarios.Host;

/// <summary>pidfd_open(2): i32 id, i32 pid.</summary>
internal sealed class OpenPidfdOperation : HostOperation
{
    /// <summary>The descriptor id the task holds the pidfd as.</summary>
    public int Id;

    /// <summary>The process opened.</summary>
    public int Pid;

    /// <inheritdoc/>
    public override void Request(ref FrameCodec frame)
    {
        frame.I32(ref Id);
        frame.I32(ref Pid);
    }

    /// <inheritdoc/>
    public override long Run(TaskExecutor executor) => executor.OpenPidfd(Id, Pid);
}
