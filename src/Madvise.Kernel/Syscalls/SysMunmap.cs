using Madvise.Abi;
using Madvise.Kernel.Tasks;

namespace Madvise.Kernel.Syscalls;

public static partial class Sys
{
    /// <summary>munmap(2) (__vm_munmap → do_vmi_munmap).</summary>
    public static long Munmap(TaskStruct task, ulong addr, ulong length)
    {
        if (GetMm(task) is not { } mm)
        {
            return TaskGone;
        }

        try
        {
            if (mm.WriteLockKillable(task.FatalSignal, out var token) != 0)
            {
                return -Errno.EINTR;
            }

            try
            {
                return mm.DoMunmap(addr, length);
            }
            finally
            {
                mm.WriteUnlock(token);
            }
        }
        catch (Exception ex)
        {
            return Oops(task, "munmap", ex);
        }
        finally
        {
            PutMm(task, mm, "munmap");
        }
    }
}
