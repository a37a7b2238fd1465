using Madvise.Abi;
using Madvise.Kernel.Advice;
using Madvise.Kernel.Tasks;

namespace Madvise.Kernel.Syscalls;

public static partial class Sys
{
    /// <summary>
    /// madvise(2). <paramref name="behavior"/> is a C <c>int</c>: only its low 32 bits count.
    /// A guard installation that keeps losing races (-ERESTARTNOINTR) is restarted transparently,
    /// as the kernel's syscall restart would; a fatal signal ends it with -EINTR.
    /// </summary>
    public static long Madvise(TaskStruct task, ulong start, ulong length, long behavior)
    {
        if (GetMm(task) is not { } mm)
        {
            return TaskGone;
        }

        try
        {
            while (true)
            {
                var ret = MadviseCore.DoMadvise(mm, task, start, length, (MemoryAdvice)unchecked((int)behavior));
                if (ret != -Errno.ERESTARTNOINTR)
                {
                    return ret;
                }

                if (task.FatalSignal.IsPending)
                {
                    return -Errno.EINTR;
                }
            }
        }
        catch (Exception ex)
        {
            return Oops(task, "madvise", ex);
        }
        finally
        {
            PutMm(task, mm, "madvise");
        }
    }

    /// <summary>madvise(2) with a typed advice value (same as passing its number).</summary>
    public static long Madvise(TaskStruct task, ulong start, ulong length, MemoryAdvice advice) =>
        Madvise(task, start, length, (long)advice);
}
