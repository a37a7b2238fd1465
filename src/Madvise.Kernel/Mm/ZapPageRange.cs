using Madvise.Abi;
using Madvise.Kernel.Mm.PageTables;
using Madvise.Kernel.Mm.Physical;
using Madvise.Kernel.Mm.Tlb;
using Madvise.Kernel.Mm.Vmas;

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
        var locked = (vma.Flags & VmFlags.VM_LOCKED) != 0;
        long zapped = 0;
        var addr = start;
        while (addr < end)
        {
            var stop = PageTable.PmdAddrEnd(addr, end);
            var table = mm.PageTable.Lookup(addr);
            if (table is null)
            {
                addr = stop;
                continue;
            }

            using (table.Ptl.EnterScope())
            {
                // zap_pmd_range(): a huge entry the range covers whole goes at once; one it
                // covers in part is split first, and the PTEs of the range zapped below.
                var wholeBlock = stop - addr == PageTable.PteTableSpan;
                if (table.Huge != 0)
                {
                    if (wholeBlock)
                    {
                        zapped += mm.ZapHugePmdLocked(vma, table, addr, gather);
                        addr = stop;
                        continue;
                    }

                    mm.SplitHugePmdLocked(vma, table, addr & ~(PageTable.PteTableSpan - 1));
                }

                var skipped = false;
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

                        Interlocked.Decrement(ref frame.MapCount);
                        if (locked)
                        {
                            // folio_remove_rmap → munlock_vma_folio: one locked mapping fewer.
                            mm.Kernel.Lru.Munlock(pfn);
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
                    else
                    {
                        skipped = true;
                    }
                }

                // CONFIG_PT_RECLAIM (zap_pte_range() with reclaim_pt): MADV_DONTNEED of a whole
                // block that kept nothing frees its page table; the PMD is empty again.
                if (mode == ZapMode.DontNeed && wholeBlock && !skipped && table.Used == 0)
                {
                    table.Populated = false;
                }
            }
        }

        mm.Kernel.Stats.RecordZapped(zapped);
        return zapped;
    }
}
