using Madvise.Abi;
using Madvise.Kernel.Mm.Locking;
using Madvise.Kernel.Mm.PageTables;
using Madvise.Kernel.Mm.Tlb;
using Madvise.Kernel.Mm.Vmas;

namespace Madvise.Kernel.Mm;

// Linux: mm/vma.c do_vmi_munmap(), do_vmi_align_munmap(); mm/memory.c unmap_vmas(), free_pgtables().
public sealed partial class MmStruct
{
    /// <summary>
    /// do_vmi_munmap(): checks the arguments and unmaps [start, start + PAGE_ALIGN(len)).
    /// Precondition: the mmap write lock is held.
    /// </summary>
    internal long DoMunmap(ulong start, ulong len)
    {
        MmapLock.AssertWriteLocked();

        // "The Linux implementation requires that the address addr be page-aligned, and allows
        // length to be zero" is munmap(2)'s wording; the kernel returns EINVAL for length 0.
        if (!PageSize.IsAligned(start) || start > TaskSize || len > TaskSize - start)
        {
            return -Errno.EINVAL;
        }

        var end = start + PageSize.PageAlign(len);
        if (end == start)
        {
            return -Errno.EINVAL;
        }

        return UnmapRangeLocked(start, end);
    }

    /// <summary>
    /// do_vmi_align_munmap(): splits the VMAs at the range's edges, zaps their pages, removes them
    /// and frees page tables that no VMA needs any more. Precondition: the mmap write lock is held.
    /// </summary>
    /// <returns>0, or -ENOMEM when a split in the middle of a VMA would exceed vm.max_map_count.</returns>
    internal long UnmapRangeLocked(ulong start, ulong end)
    {
        var first = Vmas.FindIntersection(start, end);
        if (first is null)
        {
            return 0;
        }

        if (first.Start < start)
        {
            // Unmapping from the middle of a VMA leaves both ends: one more VMA than before,
            // which must stay within the limit; a cut at one edge only may go over it briefly.
            if (end < first.End && Vmas.Count >= Kernel.Config.MaxMapCount)
            {
                return -Errno.ENOMEM;
            }

            first = SplitVmaUnchecked(first, start);
        }

        // Linux splits both edges with __split_vma(), which skips the limit: unmapping an
        // edge at the limit goes one above it and comes back. When the range ends in a hole
        // no VMA crosses its end.
        if (Vmas.FindIntersection(end - 1, end) is { } last && last.End > end)
        {
            SplitVmaUnchecked(last, end);
        }

        var prev = Vmas.Prev(start);
        var next = Vmas.NextAfter(end);
        var gather = TlbGather.Rent(this);
        try
        {
            for (var vma = first; vma is not null && vma.Start < end;)
            {
                var following = Vmas.NextAfter(vma.End);
                vma.Lock.StartWrite();
                ZapPageRange.Zap(this, vma, vma.Start, vma.End, gather, ZapMode.Unmap);
                if ((vma.Flags & VmFlags.VM_LOCKED) != 0)
                {
                    AddLockedVm(-(long)vma.Pages);
                }

                RemoveVma(vma);
                vma = following;
            }
        }
        finally
        {
            TlbGather.Return(gather);
        }

        PageTable.FreeEmptyTables(start, end, prev?.End ?? 0, next?.Start ?? ulong.MaxValue);
        return 0;
    }
}
