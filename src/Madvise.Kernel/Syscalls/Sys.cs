using Madvise.Abi;
using Madvise.Kernel.Mm;
using Madvise.Kernel.Tasks;

namespace Madvise.Kernel.Syscalls;

/// <summary>
/// The simulated kernel's system call entry points. Each takes the calling task and raw
/// arguments and returns what the Linux system call returns: a value, or a negative errno.
/// User input never throws; arguments are checked in Linux's order so the same errno wins.
/// One file per system call (SysMmap.cs, SysMadvise.cs, ...).
/// </summary>
public static partial class Sys
{
    /// <summary>The address space a system call of <paramref name="task"/> runs on; null for an exited task.</summary>
    private static MmStruct? CurrentMm(TaskStruct task) => task.Mm;

    /// <summary>The result of a call made by an exited task (it cannot run; the model answers -ESRCH).</summary>
    private const long TaskGone = -Errno.ESRCH;
}
