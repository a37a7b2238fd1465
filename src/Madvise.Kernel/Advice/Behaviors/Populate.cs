using Madvise.Abi;
using Madvise.Kernel.Mm.Vmas;
using static Madvise.Abi.MemoryAdvice;

namespace Madvise.Kernel.Advice;

/// <summary>MADV_POPULATE_READ / MADV_POPULATE_WRITE (Linux: mm/madvise.c madvise_populate(), mm/gup.c faultin_page_range()).</summary>
internal static class Populate
{
    /// <summary>
    /// Faults the range in as reads (or writes) would, page by page, without skipping holes: a
    /// page outside every VMA is -ENOMEM, a VMA without the needed permission -EINVAL, a fault
    /// that would signal -EFAULT (-EHWPOISON for a poisoned page). Pages before the failure
    /// stay populated.
    /// </summary>
    /// <remarks>Preconditions: mmap_lock held for reading; the range is not split by VMA beforehand (it walks them itself).</remarks>
    public static long Run(MadviseBehavior b)
    {
        var write = b.Behavior == MADV_POPULATE_WRITE;
        var mm = b.Mm;
        for (var addr = b.Start; addr < b.End;)
        {
            if (b.Current.FatalSignal.IsPending)
            {
                return -Errno.EINTR;
            }

            var vma = mm.Vmas.FindContaining(addr);
            if (vma is null)
            {
                return -Errno.ENOMEM;
            }

            if (!CheckVmaFlags(vma, write))
            {
                return -Errno.EINVAL;
            }

            var stop = Math.Min(vma.End, b.End);
            var done = mm.GetUserPages(vma, addr, stop, write);

            // faultin_page_range() drains this CPU's folio batches after each call.
            mm.Kernel.LruBatches.Drain();
            if (done < 0)
            {
                return done;
            }

            addr += (ulong)done << PageSize.PAGE_SHIFT;
            if (addr < stop)
            {
                // GetUserPages stopped early after some pages: the next call reports the error.
                var again = mm.GetUserPages(vma, addr, stop, write);
                mm.Kernel.LruBatches.Drain();
                return again < 0 ? again : -Errno.EFAULT;
            }
        }

        return 0;
    }

    /// <summary>check_vma_flags() without FOLL_FORCE: writes need VM_WRITE, reads need VM_READ, no I/O mappings.</summary>
    internal static bool CheckVmaFlags(Vma vma, bool write)
    {
        if ((vma.Flags & (VmFlags.VM_IO | VmFlags.VM_PFNMAP)) != 0)
        {
            return false;
        }

        return write ? (vma.Flags & VmFlags.VM_WRITE) != 0 : (vma.Flags & VmFlags.VM_READ) != 0;
    }
}
