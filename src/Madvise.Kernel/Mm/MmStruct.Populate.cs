using Madvise.Abi;
using Madvise.Kernel.Mm.PageTables;
using Madvise.Kernel.Mm.Physical;
using Madvise.Kernel.Mm.Vmas;

namespace Madvise.Kernel.Mm;

// Linux: mm/gup.c __get_user_pages(), populate_vma_page_range(), __mm_populate().
public sealed partial class MmStruct
{
    /// <summary>
    /// Faults in every page of [start, end) inside <paramref name="vma"/> as a read or write
    /// access would (no TLB fill: this is the kernel touching the pages).
    /// </summary>
    /// <remarks>Precondition: the mmap_lock is held.</remarks>
    /// <returns>The pages done when at least one succeeded, else a negative errno
    /// (-EFAULT for SIGSEGV/SIGBUS, -ENOMEM, -EHWPOISON).</returns>
    internal long GetUserPages(Vma vma, ulong start, ulong end, bool write)
    {
        long done = 0;
        for (var addr = start; addr < end; addr += PageSize.PAGE_SIZE, done++)
        {
            if (PageSatisfies(addr, write))
            {
                continue;
            }

            var result = HandleFault(vma, addr, write);
            if (result != FaultResult.Ok)
            {
                return done > 0 ? done : FaultErrno(result);
            }
        }

        return done;
    }

    /// <summary>The errno a kernel access reports for a fault result.</summary>
    internal static long FaultErrno(FaultResult result) => result switch
    {
        FaultResult.Oom => -Errno.ENOMEM,
        FaultResult.HwPoison => -Errno.EHWPOISON,
        _ => -Errno.EFAULT,
    };

    /// <summary>
    /// True when the page at <paramref name="addr"/> is present (and writable, for a write). A
    /// write through a clean PTE marks the page dirty, as follow_page_pte() does with FOLL_TOUCH
    /// and FOLL_WRITE: a lazily freed page populated for writing is then kept by reclaim.
    /// </summary>
    private bool PageSatisfies(ulong addr, bool write)
    {
        var table = PageTable.Lookup(addr);
        if (table is null)
        {
            return false;
        }

        using (table.Ptl.EnterScope())
        {
            // follow_huge_pmd(): a huge entry satisfies the whole 2 MiB (FOLL_TOUCH ages it).
            var pmd = table.GetHuge();
            if (pmd.IsPresent)
            {
                if (write && !pmd.Writable)
                {
                    return false;
                }

                TouchHugeLocked(table, pmd, write);
                return true;
            }

            var pte = table.Get(PageTable.PteIndex(addr));
            if (!pte.IsPresent || (write && !pte.Writable))
            {
                return false;
            }

            if (write && !pte.Dirty && pte.Pfn != PhysicalMemory.ZeroPfn)
            {
                MarkAnonFolioDirty(pte.Pfn);
            }

            return true;
        }
    }

    /// <summary>populate_vma_page_range(): faults in a VMA range as mlock and MAP_POPULATE do.</summary>
    internal long PopulateVmaPageRange(Vma vma, ulong start, ulong end)
    {
        if ((vma.Flags & VmFlags.VM_LOCKONFAULT) != 0)
        {
            return (long)((end - start) >> PageSize.PAGE_SHIFT);
        }

        if ((vma.Flags & (VmFlags.VM_READ | VmFlags.VM_WRITE | VmFlags.VM_EXEC)) == 0)
        {
            return -Errno.EFAULT;
        }

        // Private writable memory is populated with write faults so copy-on-write breaks now.
        var write = (vma.Flags & (VmFlags.VM_WRITE | VmFlags.VM_SHARED)) == VmFlags.VM_WRITE;
        var ret = GetUserPages(vma, start, end, write);
        Kernel.LruBatches.Drain();
        return ret;
    }

    /// <summary>__mm_populate(): populates every VMA of [start, start+len). Takes the mmap read lock.</summary>
    /// <returns>0 or a negative errno (errors are skipped when <paramref name="ignoreErrors"/>).</returns>
    internal long MmPopulate(ulong start, ulong len, bool ignoreErrors)
    {
        var end = start + len;
        var token = ReadLock();
        try
        {
            for (var next = start; next < end;)
            {
                var vma = Vmas.FindIntersection(next, end);
                if (vma is null)
                {
                    break;
                }

                var stop = Math.Min(end, vma.End);
                if ((vma.Flags & (VmFlags.VM_IO | VmFlags.VM_PFNMAP)) != 0)
                {
                    next = stop;
                    continue;
                }

                var from = Math.Max(next, vma.Start);
                var ret = PopulateVmaPageRange(vma, from, stop);
                if (ret < 0)
                {
                    if (ignoreErrors)
                    {
                        next = stop;
                        continue;
                    }

                    return ret;
                }

                next = from + ((ulong)ret << PageSize.PAGE_SHIFT);
            }

            return 0;
        }
        finally
        {
            ReadUnlock(token);
        }
    }
}
