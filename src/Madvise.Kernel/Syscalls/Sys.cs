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
/// <remarks>
/// <para>Every entry point has the same frame: it takes the task's address space with a user
/// reference (<see cref="TaskStruct.GetMm"/>, -ESRCH for an exited task), runs, and drops the
/// reference on the way out (<see cref="PutMm"/>; the last one tears the address space down on
/// that thread). Nothing escapes it: an exception from inside, which can only be a kernel bug or
/// an injected fault, is an oops (<see cref="Oops"/>): by the time it reaches the entry point,
/// every lock the call held has been released, because every acquisition in the kernel is paired
/// with its release in a <c>finally</c> block or a <c>using</c> scope; the task is killed, the
/// kernel records the oops, and the call returns -ESRCH, as every call of a dead task does.</para>
/// </remarks>
public static partial class Sys
{
    /// <summary>The result of a call made by an exited task (it cannot run; the model answers -ESRCH), and of a call that oopsed.</summary>
    private const long TaskGone = -Errno.ESRCH;

    /// <summary>mmget: the address space of <paramref name="task"/>, held for the call; null for an exited task.</summary>
    private static MmStruct? GetMm(TaskStruct task) => task.GetMm();

    /// <summary>mmput at the end of a call; an oops in the teardown it may run is recorded, never thrown.</summary>
    private static void PutMm(TaskStruct task, MmStruct mm, string syscall)
    {
        try
        {
            mm.Put();
        }
        catch (Exception ex)
        {
            Oops(task, syscall, ex);
        }
    }

    /// <summary>
    /// A kernel oops in <paramref name="syscall"/> of <paramref name="task"/>: records it, kills the
    /// task (Linux: die() → make_task_dead()), and gives the call's result, -ESRCH.
    /// Precondition: the exception has unwound to the entry point (every lock is released).
    /// </summary>
    private static long Oops(TaskStruct task, string syscall, Exception ex)
    {
        task.Kernel.RecordOops(new KernelOops(syscall, task.Pid, ex));
        try
        {
            task.Kill();
        }
        catch (Exception again)
        {
            task.Kernel.RecordOops(new KernelOops(syscall + " (exit after oops)", task.Pid, again));
        }

        return TaskGone;
    }
}
