using Madvise.Kernel.Abi;

namespace Madvise.Kernel.Mm;

/// <summary>
/// Unmapping the pages of part of one VMA (Linux: mm/memory.c zap_pte_range() and
/// zap_page_range_single()).
/// </summary>
internal static class ZapPageRange
{
    /// <summary>
    /// Clears every PTE of [start, end) in <paramref name="vma"/>: present pages lose this mapping
    /// (their references are handed to <paramref name="gather"/>, to be dropped after the TLB
    /// flush), swap entries release their slot, markers go according to <paramref name="mode"/>.
    /// </summary>
    /// <remarks>Precondition: the mmap_lock or the VMA's lock is held; no page-table lock.</remarks>
    /// <returns>The number of present pages unmapped.</returns>
    public static long Zap(MmStruct mm, Vma vma, ulong start, ulong end, TlbGather gather, ZapMode mode)
    {
        var memory = mm.Kernel.Memory;
        long zapped = 0;
        var addr = start;
        while (addr < end)
        {
            var tableEnd = (addr | ((1UL << 21) - 1)) + 1;
            var stop = Math.Min(end, tableEnd);
            var table = mm.PageTable.Lookup(addr);
            if (table is null)
            {
                addr = stop;
                continue;
            }

            lock (table.Lock)
            {
                for (; addr < stop; addr += PageSize.PAGE_SIZE)
                {
                    var index = PageTable.PteIndex(addr);
                    var pte = table.Get(index);
                    if (pte.IsNone)
                    {
                        continue;
                    }

                    if (pte.IsPresent)
                    {
                        table.Set(index, Pte.None);
                        gather.AddRange(addr, PageSize.PAGE_SIZE);
                        var pfn = pte.Pfn;
                        mm.AddRss(pfn, -1);
                        zapped++;
                        if (pfn == PhysicalMemory.ZeroPfn)
                        {
                            continue;
                        }

                        ref var frame = ref memory.Frame(pfn);
                        if (pte.Dirty && (frame.Flags & (int)PageFlags.Anon) == 0)
                        {
                            Interlocked.Or(ref frame.Flags, (int)PageFlags.Dirty);
                        }

                        if (pte.Young)
                        {
                            Interlocked.Or(ref frame.Flags, (int)PageFlags.Referenced);
                        }

                        // munlock_vma_folio(): the page stays mlocked only while a VM_LOCKED mapping
                        // keeps it (Linux counts them in folio->mlock_count); an unlocked mapping
                        // left behind may then reclaim it.
                        if (Interlocked.Decrement(ref frame.MapCount) == 0 && (frame.Flags & (int)PageFlags.Mlocked) != 0)
                        {
                            mm.Kernel.Lru.Update(pfn, 0, PageFlags.Mlocked);
                        }
                        else if ((vma.Flags & VmFlags.VM_LOCKED) != 0 && (frame.Flags & (int)PageFlags.Mlocked) != 0
                            && !MappedByAnotherLockedVma(mm, vma, ref frame))
                        {
                            mm.Kernel.Lru.Update(pfn, 0, PageFlags.Mlocked);
                        }

                        gather.RemovePage(pfn);
                    }
                    else if (pte.IsSwap)
                    {
                        table.Set(index, Pte.None);
                        mm.Kernel.Swap!.Free(pte.SwapSlot);
                    }
                    else if (mode == ZapMode.Unmap || !pte.IsGuard)
                    {
                        table.Set(index, Pte.None);
                    }
                }
            }
        }

        mm.Kernel.Stats.RecordZapped(zapped);
        return zapped;
    }

    /// <summary>
    /// True when a VM_LOCKED VMA other than <paramref name="vma"/> covers the frame's page: a VMA
    /// of the file at the page's index, or, for an anonymous page, the VMA at the page's address in
    /// another address space of its anon_vma family. (Linux keeps a count per folio instead; a
    /// locked VMA covers the pages it maps, so the two agree but for a locked VMA that holds its
    /// own copy-on-write copy, where the page stays mlocked until unmapped.)
    /// </summary>
    /// <remarks>Precondition: a page-table lock is held; the i_mmap lock taken here is a leaf lock and VMA trees are read lock-free.</remarks>
    private static bool MappedByAnotherLockedVma(MmStruct mm, Vma vma, ref PageFrame frame)
    {
        if (frame.Mapping is Fs.PageCache cache)
        {
            foreach (var other in cache.Inode.MappingsSnapshot())
            {
                if (other != vma && (other.Flags & VmFlags.VM_LOCKED) != 0 && frame.Index >= other.PgOff && frame.Index < other.PgOff + other.Pages)
                {
                    return true;
                }
            }
        }
        else if (frame.Mapping is AnonVma anon)
        {
            var addr = frame.Index << PageSize.PAGE_SHIFT;
            foreach (var other in anon.Family)
            {
                if (other != mm && other.Vmas.FindContaining(addr) is { } v && (v.Flags & VmFlags.VM_LOCKED) != 0)
                {
                    return true;
                }
            }
        }

        return false;
    }
}
