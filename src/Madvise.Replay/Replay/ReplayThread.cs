namespace Madvise.Replay.Replay;

/// <summary>A traced thread: its tid and the process whose address space it uses.</summary>
internal sealed class ReplayThread(int tid, ReplayProcess process, bool vforkChild)
{
    /// <summary>The tid in the trace.</summary>
    public int Tid { get; } = tid;

    /// <summary>The process it belongs to (for a vfork child: the parent, whose address space it borrows until it execs or exits).</summary>
    public ReplayProcess Process { get; set; } = process;

    /// <summary>A child created with CLONE_VM but not CLONE_THREAD (vfork, posix_spawn): it becomes its own process at execve.</summary>
    public bool VforkChild { get; set; } = vforkChild;
}
