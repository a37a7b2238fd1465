using Madvise.Abi;
using Madvise.Kernel.Mm;
using Madvise.Kernel.Mm.Vmas;
using Madvise.Kernel.Tasks;

namespace Madvise.Kernel.Syscalls;

public static partial class Sys
{
    /// <summary>mlock(2) (do_mlock with VM_LOCKED).</summary>
    public static long Mlock(TaskStruct task, ulong addr, ulong length)
    {
        if (GetMm(task) is not { } mm)
        {
            return TaskGone;
        }

        try
        {
            return DoMlock(mm, task, addr, length);
        }
        catch (Exception ex)
        {
            return Oops(task, "mlock", ex);
        }
        finally
        {
            PutMm(task, mm, "mlock");
        }
    }

    /// <summary>do_mlock(): sets VM_LOCKED under the mmap write lock, then populates with the lock dropped.</summary>
    private static long DoMlock(MmStruct mm, TaskStruct task, ulong addr, ulong length)
    {
        // can_do_mlock(): RLIMIT_MEMLOCK is 8 MiB, never 0, so it always passes.
        length = PageSize.PageAlign(length + (addr & (PageSize.PAGE_SIZE - 1)));
        addr &= PageSize.PAGE_MASK;
        var pages = length >> PageSize.PAGE_SHIFT;
        if (mm.WriteLockKillable(task.FatalSignal, out var token) != 0)
        {
            return -Errno.EINTR;
        }

        long error = -Errno.ENOMEM;
        try
        {
            var locked = pages + (ulong)mm.LockedVm;
            var capable = task.Cred.Has(Capability.CAP_IPC_LOCK);
            if (locked > MmStruct.MemlockLimitPages && !capable)
            {
                // Pages of the range already locked are not counted twice.
                locked -= mm.CountLockedPages(addr, length);
            }

            if (locked <= MmStruct.MemlockLimitPages || capable)
            {
                error = mm.ApplyVmaLockFlags(addr, length, VmFlags.VM_LOCKED);
            }
        }
        finally
        {
            mm.WriteUnlock(token);
        }

        if (error != 0)
        {
            return error;
        }

        // __mlock_posix_error_return(): -EFAULT from population is -ENOMEM, -ENOMEM is -EAGAIN.
        error = mm.MmPopulate(addr, length, ignoreErrors: false);
        return error switch
        {
            0 => 0,
            -Errno.EFAULT => -Errno.ENOMEM,
            -Errno.ENOMEM => -Errno.EAGAIN,
            _ => error,
        };
    }

    /// <summary>munlock(2).</summary>
    public static long Munlock(TaskStruct task, ulong addr, ulong length)
    {
        if (GetMm(task) is not { } mm)
        {
            return TaskGone;
        }

        try
        {
            length = PageSize.PageAlign(length + (addr & (PageSize.PAGE_SIZE - 1)));
            addr &= PageSize.PAGE_MASK;
            if (mm.WriteLockKillable(task.FatalSignal, out var token) != 0)
            {
                return -Errno.EINTR;
            }

            try
            {
                return mm.ApplyVmaLockFlags(addr, length, 0);
            }
            finally
            {
                mm.WriteUnlock(token);
            }
        }
        catch (Exception ex)
        {
            return Oops(task, "munlock", ex);
        }
        finally
        {
            PutMm(task, mm, "munlock");
        }
    }
}
