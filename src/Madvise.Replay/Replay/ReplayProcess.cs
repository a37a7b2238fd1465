using Madvise.Kernel.Fs;
using Madvise.Kernel.Mm;
using Madvise.Kernel.Tasks;

namespace Madvise.Replay.Replay;

/// <summary>
/// A traced process and the simulated process standing for it: its task (replaced at execve),
/// its threads, its brk area, and the descriptors the trace used (file descriptors of file
/// mappings and pidfds) with the simulated descriptors standing for them.
/// </summary>
internal sealed class ReplayProcess
{
    public ReplayProcess(int pid, TaskStruct task, ProgramTally tally)
    {
        Pid = pid;
        Task = task;
        Tally = tally;
        tally.Processes++;
    }

    /// <summary>The process id in the trace (its leader's tid).</summary>
    public int Pid { get; }

    /// <summary>The simulated process.</summary>
    public TaskStruct Task { get; set; }

    /// <summary>The program's counters.</summary>
    public ProgramTally Tally { get; set; }

    /// <summary>The address space (null once exited).</summary>
    public MmStruct? Mm => Task.Mm;

    /// <summary>Tids using this address space (threads and vfork children).</summary>
    public HashSet<int> Threads { get; } = [];

    /// <summary>True after exit_group, a kill, or its last thread's exit.</summary>
    public bool Exited { get; set; }

    /// <summary>Start of the brk area (the first brk result), or 0 while unknown.</summary>
    public ulong BrkStart { get; set; }

    /// <summary>The current break, or 0 while unknown.</summary>
    public ulong BrkEnd { get; set; }

    /// <summary>Traced file descriptor → the simulated file standing for what it had open when it was last mapped.</summary>
    public Dictionary<long, OpenFile> Files { get; } = [];

    /// <summary>Traced pidfd → the simulated pidfd, or -1 for a pidfd of a process the trace does not show.</summary>
    public Dictionary<long, long> Pidfds { get; } = [];

    /// <summary>Ranges sealed by mseal calls the log shows (the simulated kernel has no mseal).</summary>
    public List<(ulong Start, ulong End)> Sealed { get; } = [];

    /// <summary>True when [start, start+length) overlaps a sealed range.</summary>
    public bool TouchesSealed(ulong start, ulong length)
    {
        var end = start + Math.Max(length, 1);
        foreach (var (s, e) in Sealed)
        {
            if (s < end && start < e)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Copies the descriptor maps of a fork parent (the simulated fd table was copied by fork).</summary>
    public void InheritDescriptors(ReplayProcess parent)
    {
        foreach (var (k, v) in parent.Files)
        {
            Files[k] = v;
        }

        foreach (var (k, v) in parent.Pidfds)
        {
            Pidfds[k] = v;
        }

        Sealed.AddRange(parent.Sealed);
        BrkStart = parent.BrkStart;
        BrkEnd = parent.BrkEnd;
    }

    public override string ToString() => $"process {Pid} ({Tally.Name})";
}
