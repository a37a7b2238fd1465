using Madvise.Abi;
using Madvise.Kernel.Mm;
using Madvise.Kernel.Mm.Huge;
using Madvise.Kernel.Mm.PageTables;
using Madvise.Kernel.Mm.Physical;
using Madvise.Kernel.Mm.Tlb;
using Madvise.Kernel.Mm.Vmas;
using static Madvise.Abi.MemoryAdvice;

namespace Madvise.Kernel.Advice;

/// <summary>MADV_DONTNEED, MADV_DONTNEED_LOCKED and MADV_FREE (Linux: mm/madvise.c madvise_dontneed_free()).</summary>
internal static class DontNeedFree
{
    /// <summary>madvise_dontneed_free(): checks the VMA, then zaps (DONTNEED) or lazily frees (FREE) the range.</summary>
    /// <remarks>Preconditions: mmap_lock held for reading, or (PerVmaLock profile, own mm, one VMA) only <c>b.Vma</c>'s read lock; the range lies inside <c>b.Vma</c>. Takes page-table locks itself.</remarks>
    public static long Run(MadviseBehavior b)
    {
        if (!ValidVma(b))
        {
            return -Errno.EINVAL;
        }

        if (b.Start == b.End)
        {
            return 0;
        }

        return b.Behavior == MADV_FREE ? FreeSingleVma(b) : DontNeedSingleVma(b);
    }

    /// <summary>madvise_dontneed_free_valid_vma(): no PFN maps; no locked VMAs except for DONTNEED_LOCKED.</summary>
    private static bool ValidVma(MadviseBehavior b)
    {
        var forbidden = VmFlags.VM_PFNMAP;
        if (b.Behavior != MADV_DONTNEED_LOCKED)
        {
            forbidden |= VmFlags.VM_LOCKED;
        }

        return (b.Vma!.Flags & forbidden) == 0;
    }

    /// <summary>
    /// madvise_dontneed_single_vma(): zaps the range, keeping guard markers. With a shared TLB
    /// batch (BatchedTlb and later) the flush is deferred to the end of the call; before, each
    /// call flushed its own batch (zap_page_range_single()).
    /// </summary>
    private static long DontNeedSingleVma(MadviseBehavior b)
    {
        var gather = b.Tlb ?? TlbGather.Rent(b.Mm);
        try
        {
            ZapPageRange.Zap(b.Mm, b.Vma!, b.Start, b.End, gather, ZapMode.DontNeed);
        }
        finally
        {
            if (b.Tlb is null)
            {
                TlbGather.Return(gather);
            }
        }

        return 0;
    }

    /// <summary>
    /// madvise_free_single_vma(): swap entries are freed at once; present anonymous pages lose
    /// their dirty and young bits and are queued on this CPU's lazy-free batch: at its drain they
    /// move to the lazy-free (inactive file) list, to be discarded by reclaim unless written
    /// again (<see cref="Mm.Reclaim.LruBatches"/>).
    /// </summary>
    private static long FreeSingleVma(MadviseBehavior b)
    {
        var vma = b.Vma!;
        if (!vma.IsAnonymous)
        {
            return -Errno.EINVAL;
        }

        var mm = b.Mm;

        // Earlier FREEs and COLDs on this CPU take effect first: a page FREE'd again is already
        // lazy-free and is not queued twice.
        mm.Kernel.LruBatches.Drain();
        var gather = b.Tlb ?? TlbGather.Rent(mm);
        try
        {
            for (var addr = b.Start; addr < b.End;)
            {
                var stop = PageTable.PmdAddrEnd(addr, b.End);
                var table = mm.PageTable.Lookup(addr);
                if (table is null)
                {
                    addr = mm.PageTable.NextTable(stop, b.End);
                    continue;
                }

                // A large folio the range covers in part is split first, with the lock dropped,
                // and the walk goes on from the same address (madvise_free_pte_range()).
                var splitFolio = -1;
                using (table.Ptl.EnterScope())
                {
                    if (table.Huge != 0 && FreeHugePmdLocked(mm, table, addr, stop, gather, out splitFolio))
                    {
                        addr = splitFolio >= 0 ? addr : stop;
                    }
                    else
                    {
                        addr = FreePtesLocked(mm, table, addr, stop, b.Start, b.End, gather, out splitFolio);
                    }
                }

                if (splitFolio >= 0)
                {
                    mm.SplitAnonFolio(splitFolio);
                }
            }
        }
        finally
        {
            if (b.Tlb is null)
            {
                TlbGather.Return(gather);
            }
        }

        return 0;
    }

    /// <summary>
    /// The PTE loop of madvise_free_pte_range() over [addr, stop) of one table: swap entries and
    /// poison markers go; a present anonymous page becomes clean, old and lazy-free (a dirty one
    /// only if nothing else maps it). A page of a large folio that the walk's range
    /// [<paramref name="rangeStart"/>, <paramref name="rangeEnd"/>) does not cover whole, mapped in
    /// order, stops the loop for the caller to split the folio (<paramref name="splitFolio"/>),
    /// unless another process shares the folio (then the page is skipped).
    /// </summary>
    /// <returns>Where the loop stopped: <paramref name="stop"/>, or the page whose folio must be split first.</returns>
    /// <remarks>Precondition: the table's lock is held and the table holds no huge entry.</remarks>
    private static ulong FreePtesLocked(MmStruct mm, PteTable table, ulong addr, ulong stop, ulong rangeStart, ulong rangeEnd, TlbGather gather, out int splitFolio)
    {
        var memory = mm.Kernel.Memory;
        splitFolio = -1;
        for (; addr < stop; addr += PageSize.PAGE_SIZE)
        {
            var index = PageTable.PteIndex(addr);
            var pte = table.Get(index);
            if (pte.IsNone)
            {
                continue;
            }

            if (!pte.IsPresent)
            {
                if (pte.IsSwap)
                {
                    mm.Kernel.Swap!.Free(pte.SwapSlot);
                    table.Set(index, Pte.None);
                }
                else if (pte.IsPoison)
                {
                    table.Set(index, Pte.None);
                }

                continue;
            }

            var pfn = pte.Pfn;
            if (pfn == PhysicalMemory.ZeroPfn)
            {
                continue;
            }

            ref var frame = ref memory.Frame(pfn);
            var flags = (PageFlags)Volatile.Read(ref frame.Flags);
            if ((flags & PageFlags.AnonLarge) != 0
                && !MmStruct.FolioFullyMappedInRange(table, HugePage.Align(addr), rangeStart, rangeEnd, pfn))
            {
                if (mm.AnonFolioMappedShared(pfn))
                {
                    continue;
                }

                splitFolio = pfn;
                return addr;
            }

            if ((flags & (PageFlags.SwapCache | PageFlags.Dirty)) != 0)
            {
                // Only a page nobody else maps may forget its dirtiness.
                if (Volatile.Read(ref frame.MapCount) != 1 || (flags & PageFlags.SwapCache) != 0)
                {
                    continue;
                }

                Interlocked.And(ref frame.Flags, ~(int)PageFlags.Dirty);
            }

            if (pte.Young || pte.Dirty)
            {
                table.Set(index, pte.WithYoung(false).WithDirty(false));
                gather.AddRange(addr, PageSize.PAGE_SIZE);
            }

            mm.Kernel.LruBatches.MarkLazyFree(pfn);
        }

        return addr;
    }

    /// <summary>
    /// madvise_free_huge_pmd(): a huge entry the range covers whole is cleaned and made old and
    /// every frame marked lazy free, staying huge; for one it covers in part the folio is to be
    /// split (<paramref name="splitFolio"/>, by the caller once the lock is dropped), and the PTE
    /// loop then marks only the range's pages. The huge zero page, and a huge page another
    /// process maps too (folio_maybe_mapped_shared()), are left alone.
    /// </summary>
    /// <returns>True when the PTE loop must not run over the block now.</returns>
    /// <remarks>Precondition: the table's lock is held and it holds a huge entry.</remarks>
    private static bool FreeHugePmdLocked(MmStruct mm, PteTable table, ulong addr, ulong stop, TlbGather gather, out int splitFolio)
    {
        splitFolio = -1;
        var pmd = table.GetHuge();
        if (pmd.IsHugeZero || mm.HugePageMappedShared(pmd.Pfn))
        {
            return true;
        }

        if (stop - addr != HugePage.Size)
        {
            splitFolio = pmd.Pfn;
            return true;
        }

        var memory = mm.Kernel.Memory;
        for (var i = 0; i < HugePage.Pages; i++)
        {
            Interlocked.And(ref memory.Frame(pmd.Pfn + i).Flags, ~(int)PageFlags.Dirty);
        }

        if (pmd.Young || pmd.Dirty)
        {
            table.SetHuge(pmd.WithYoung(false).WithDirty(false));
            gather.AddRange(addr, HugePage.Size);
        }

        // A large folio passes through the batch at once (folio_may_be_lru_cached()).
        for (var i = 0; i < HugePage.Pages; i++)
        {
            mm.Kernel.LruBatches.MarkLazyFree(pmd.Pfn + i);
        }

        return true;
    }
}
