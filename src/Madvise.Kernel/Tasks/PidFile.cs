namespace Madvise.Kernel.Tasks;

/// <summary>The open file behind a pidfd: it refers to a process, which may exit while the pidfd stays open.</summary>
public sealed class PidFile
{
    public PidFile(TaskStruct task, bool thread)
    {
        Task = task;
        IsThread = thread;
    }

    /// <summary>The process (struct pid) this pidfd refers to.</summary>
    public TaskStruct Task { get; }

    /// <summary>Opened with PIDFD_THREAD.</summary>
    public bool IsThread { get; }
}
