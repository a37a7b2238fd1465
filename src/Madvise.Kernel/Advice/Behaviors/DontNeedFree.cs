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
    /// their dirty and young bits and move to the lazy-free (inactive file) list, to be discarded
    /// by reclaim unless written again.
    /// </summary>
    private static long FreeSingleVma(MadviseBehavior b)
    {
        var vma = b.Vma!;
        if (!vma.IsAnonymous)
        {
            return -Errno.EINVAL;
        }

        var mm = b.Mm;
        var memory = mm.Kernel.Memory;
        var gather = b.Tlb ?? TlbGather.Rent(mm);
        try
        {
            for (var addr = b.Start; addr < b.End;)
            {
                var stop = PageTable.PmdAddrEnd(addr, b.End);
                var table = mm.PageTable.Lookup(addr);
                if (table is null)
                {
                    addr = stop;
                    continue;
                }

                using (table.Ptl.EnterScope())
                {
                    if (table.Huge != 0 && FreeHugePmdLocked(mm, vma, table, addr, stop, gather))
                    {
                        addr = stop;
                        continue;
                    }

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

                        MarkLazyFree(mm.Kernel, pfn, flags);
                    }
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
    /// madvise_free_huge_pmd(): a huge entry the range covers whole is cleaned and made old and
    /// every frame marked lazy free, staying huge; one it covers in part is split so that the PTE
    /// loop marks only the range's pages. The huge zero page, and a huge page another process
    /// maps too (folio_maybe_mapped_shared()), are left alone.
    /// </summary>
    /// <returns>True when the block is done (the PTE loop must skip it).</returns>
    /// <remarks>Precondition: the table's lock is held and it holds a huge entry.</remarks>
    private static bool FreeHugePmdLocked(MmStruct mm, Vma vma, PteTable table, ulong addr, ulong stop, TlbGather gather)
    {
        var pmd = table.GetHuge();
        if (pmd.IsHugeZero || mm.HugePageMappedShared(pmd.Pfn))
        {
            return true;
        }

        if (stop - addr != HugePage.Size)
        {
            mm.SplitHugePmdLocked(vma, table, HugePage.Align(addr));
            return false;
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

        for (var i = 0; i < HugePage.Pages; i++)
        {
            var pfn = pmd.Pfn + i;
            MarkLazyFree(mm.Kernel, pfn, (PageFlags)Volatile.Read(ref memory.Frame(pfn).Flags));
        }

        return true;
    }

    /// <summary>folio_mark_lazyfree(): an anonymous, swap-backed, evictable page becomes a clean file-LRU page.</summary>
    private static void MarkLazyFree(SimulatedKernel kernel, int pfn, PageFlags flags)
    {
        if ((flags & (PageFlags.Anon | PageFlags.SwapBacked)) != (PageFlags.Anon | PageFlags.SwapBacked)
            || (flags & (PageFlags.SwapCache | PageFlags.Unevictable | PageFlags.Mlocked)) != 0)
        {
            return;
        }

        kernel.Lru.Update(pfn, 0, PageFlags.SwapBacked | PageFlags.Active | PageFlags.Referenced);
    }
}
