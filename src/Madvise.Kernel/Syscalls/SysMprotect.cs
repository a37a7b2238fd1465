using Madvise.Abi;
using Madvise.Kernel.Tasks;

namespace Madvise.Kernel.Syscalls;

public static partial class Sys
{
    /// <summary>mprotect(2) (do_mprotect_pkey with pkey -1).</summary>
    public static long Mprotect(TaskStruct task, ulong addr, ulong length, ulong prot)
    {
        const ulong growsBoth = Prot.PROT_GROWSDOWN | Prot.PROT_GROWSUP;
        var grows = prot & growsBoth;
        prot &= ~growsBoth;
        if (grows == growsBoth)
        {
            return -Errno.EINVAL;
        }

        if (!PageSize.IsAligned(addr))
        {
            return -Errno.EINVAL;
        }

        if (length == 0)
        {
            return 0;
        }

        length = PageSize.PageAlign(length);
        var end = addr + length;
        if (end <= addr)
        {
            return -Errno.ENOMEM;
        }

        // arch_validate_prot(): only READ, WRITE, EXEC and SEM.
        if ((prot & ~(ulong)(Prot.PROT_READ | Prot.PROT_WRITE | Prot.PROT_EXEC | Prot.PROT_SEM)) != 0)
        {
            return -Errno.EINVAL;
        }

        if (grows != 0)
        {
            // The model has no VM_GROWSDOWN stacks to extend; Linux answers -EINVAL when the
            // first VMA does not grow in the requested direction.
            return -Errno.EINVAL;
        }

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
                return mm.MprotectLocked(addr, end, (int)prot);
            }
            finally
            {
                mm.WriteUnlock(token);
            }
        }
        catch (Exception ex)
        {
            return Oops(task, "mprotect", ex);
        }
        finally
        {
            PutMm(task, mm, "mprotect");
        }
    }
}
