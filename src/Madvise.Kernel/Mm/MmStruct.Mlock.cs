using Madvise.Abi;
using Madvise.Kernel.Mm.Locking;
using Madvise.Kernel.Mm.PageTables;
using Madvise.Kernel.Mm.Physical;
using Madvise.Kernel.Mm.Vmas;

namespace Madvise.Kernel.Mm;

// Linux: mm/mlock.c apply_vma_lock_flags(), mlock_fixup(), mlock_vma_pages_range().
public sealed partial class MmStruct
{
    /// <summary>VM_LOCKED | VM_LOCKONFAULT.</summary>
    internal const VmFlags LockedMask = VmFlags.VM_LOCKED | VmFlags.VM_LOCKONFAULT;

    /// <summary>
    /// apply_vma_lock_flags(): sets (or, with <paramref name="flags"/> 0, clears) VM_LOCKED on every
    /// VMA of page-aligned [start, start+len). Precondition: the mmap write lock is held.
    /// </summary>
    internal long ApplyVmaLockFlags(ulong start, ulong len, VmFlags flags)
    {
        MmapLock.AssertWriteLocked();
        var end = start + len;
        if (end < start)
        {
            return -Errno.EINVAL;
        }

        if (end == start)
        {
            return 0;
        }

        var vma = Vmas.FindContaining(start);
        if (vma is null)
        {
            return -Errno.ENOMEM;
        }

        // As mprotect: cursor is where the next VMA must start (the end of the VMA just
        // changed, possibly extended by a merge).
        var cursor = vma.Start;
        while (vma is not null && vma.Start < end)
        {
            if (vma.Start != cursor)
            {
                return -Errno.ENOMEM;
            }

            var newFlags = (vma.Flags & ~LockedMask) | flags;
            var from = Math.Max(start, vma.Start);
            var stop = Math.Min(vma.End, end);
            var error = MlockFixup(vma, from, stop, newFlags, out var result);
            if (error != 0)
            {
                return error;
            }

            cursor = result.End;
            vma = Vmas.NextAfter(cursor);
        }

        return cursor < end ? -Errno.ENOMEM : 0;
    }

    /// <summary>count_mm_mlocked_page_nr(): pages of [start, start+len) already in VM_LOCKED VMAs. Precondition: the mmap lock is held.</summary>
    internal ulong CountLockedPages(ulong start, ulong len)
    {
        var end = start + len;
        ulong count = 0;
        for (var vma = Vmas.FindIntersection(start, end); vma is not null && vma.Start < end; vma = Vmas.NextAfter(vma.End))
        {
            if ((vma.Flags & VmFlags.VM_LOCKED) != 0)
            {
                count += (Math.Min(end, vma.End) - Math.Max(start, vma.Start)) >> PageSize.PAGE_SHIFT;
            }
        }

        return count;
    }

    /// <summary>mlock_fixup(): locks or unlocks [start, end) of one VMA and its present pages.</summary>
    private long MlockFixup(Vma vma, ulong start, ulong end, VmFlags newFlags, out Vma result)
    {
        var oldFlags = vma.Flags;
        result = vma;
        if ((newFlags & ~VmFlags.VM_GUARD_INSTALLED) == (oldFlags & ~VmFlags.VM_GUARD_INSTALLED)
            || (oldFlags & (VmFlags.VM_SPECIAL | VmFlags.VM_HUGETLB | VmFlags.VM_DROPPABLE)) != 0)
        {
            // Special mappings are never locked and not counted.
            return 0;
        }

        var modified = VmaModifyFlags(vma, start, end, newFlags, out var error);
        if (modified is null)
        {
            return error;
        }

        result = modified;
        var pages = (long)((end - start) >> PageSize.PAGE_SHIFT);
        if ((newFlags & VmFlags.VM_LOCKED) == 0)
        {
            AddLockedVm(-pages);
        }
        else if ((oldFlags & VmFlags.VM_LOCKED) == 0)
        {
            AddLockedVm(pages);
        }

        if ((newFlags & VmFlags.VM_LOCKED) == 0 || (oldFlags & VmFlags.VM_LOCKED) == 0)
        {
            // mlock_vma_pages_range() drains this CPU's folio batches before and after its walk.
            Kernel.LruBatches.Drain();
            MlockPagesRange(start, end, (newFlags & VmFlags.VM_LOCKED) != 0);
            Kernel.LruBatches.Drain();
        }

        return 0;
    }

    /// <summary>
    /// mlock_vma_pages_range(): the VMA's lock changed, so each present page of the range gains or
    /// loses one locked mapping (and moves to or from the unevictable list with its first or last).
    /// </summary>
    private void MlockPagesRange(ulong start, ulong end, bool locked)
    {
        var memory = Kernel.Memory;
        for (var addr = start; addr < end;)
        {
            var stop = PageTable.PmdAddrEnd(addr, end);
            var table = PageTable.Lookup(addr);
            if (table is not null)
            {
                using (table.Ptl.EnterScope())
                {
                    // mlock_pte_range(): a huge entry (inside the VMA, whole) locks or unlocks all its frames.
                    var pmd = table.GetHuge();
                    if (pmd.IsPresent && !pmd.IsHugeZero)
                    {
                        for (var i = 0; i < Huge.HugePage.Pages; i++)
                        {
                            if (locked)
                            {
                                Kernel.Lru.Mlock(pmd.Pfn + i);
                            }
                            else
                            {
                                Kernel.Lru.Munlock(pmd.Pfn + i);
                            }
                        }
                    }

                    for (var a = pmd.IsPresent ? stop : addr; a < stop; a += PageSize.PAGE_SIZE)
                    {
                        var pte = table.Get(PageTable.PteIndex(a));
                        if (!pte.IsPresent || pte.Pfn == PhysicalMemory.ZeroPfn)
                        {
                            continue;
                        }

                        if (locked)
                        {
                            Kernel.Lru.Mlock(pte.Pfn);
                        }
                        else
                        {
                            Kernel.Lru.Munlock(pte.Pfn);
                        }
                    }
                }
            }

            addr = table is null ? PageTable.NextTable(stop, end) : stop;
        }
    }
}
