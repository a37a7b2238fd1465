using Madvise.Abi;
using Madvise.Kernel.Fs;
using Madvise.Kernel.Mm;
using Madvise.Kernel.Mm.Huge;
using Madvise.Kernel.Mm.PageTables;
using Madvise.Kernel.Mm.Physical;
using Madvise.Kernel.Mm.Reclaim;
using Madvise.Kernel.Mm.Tlb;
using Madvise.Kernel.Mm.Vmas;
using Madvise.Kernel.Tasks;

namespace Madvise.Kernel.Advice;

/// <summary>MADV_COLD and MADV_PAGEOUT (Linux: mm/madvise.c madvise_cold(), madvise_pageout(), madvise_cold_or_pageout_pte_range()).</summary>
internal static class ColdPageout
{
    /// <summary>Frames isolated per reclaim batch (SWAP_CLUSTER_MAX).</summary>
    private const int BatchSize = 32;

    /// <summary>madvise_cold(): drains this CPU's folio batches, then queues the active pages this VMA alone maps for deactivation, clearing their accessed bits.</summary>
    /// <remarks>Preconditions: mmap_lock held for reading; the VMA is <c>b.Vma</c>, and <c>b.Start</c>..<c>b.End</c> lies inside it.</remarks>
    public static long Cold(MadviseBehavior b)
    {
        if (!CanMadvLru(b.Vma!))
        {
            return -Errno.EINVAL;
        }

        b.Mm.Kernel.LruBatches.Drain();
        return Walk(b, pageout: false);
    }

    /// <summary>madvise_pageout(): reclaims the pages this VMA alone maps, now.</summary>
    /// <remarks>Preconditions: mmap_lock held for reading; the VMA is <c>b.Vma</c>, and <c>b.Start</c>..<c>b.End</c> lies inside it.</remarks>
    public static long Pageout(MadviseBehavior b)
    {
        var vma = b.Vma!;
        if (!CanMadvLru(vma))
        {
            return -Errno.EINVAL;
        }

        // A shared mapping of a file the caller could not open for writing is left alone (it
        // would be a side channel); a private one still pages out its anonymous (COW) pages.
        if (!vma.IsAnonymous && !CanDoFilePageout(vma, b.Current) && (vma.Flags & VmFlags.VM_MAYSHARE) != 0)
        {
            return 0;
        }

        // Frames waiting in this CPU's batches move first (and drop the batches' references,
        // which reclaim would otherwise see as users).
        b.Mm.Kernel.LruBatches.Drain();
        return Walk(b, pageout: true);
    }

    /// <summary>can_madv_lru_vma().</summary>
    private static bool CanMadvLru(Vma vma) => (vma.Flags & (VmFlags.VM_LOCKED | VmFlags.VM_PFNMAP | VmFlags.VM_HUGETLB)) == 0;

    /// <summary>can_do_file_pageout(): the caller owns the file or may write it.</summary>
    private static bool CanDoFilePageout(Vma vma, TaskStruct current) => vma.File is { } file && file.Inode.OwnerOrMayWrite(current.Cred);

    private static long Walk(MadviseBehavior b, bool pageout)
    {
        var mm = b.Mm;
        var vma = b.Vma!;
        var kernel = mm.Kernel;
        var memory = kernel.Memory;
        var anonOnly = pageout && !vma.IsAnonymous && !CanDoFilePageout(vma, b.Current);
        Span<int> isolated = stackalloc int[BatchSize];

        // Each call has a private TLB batch (only DONTNEED and FREE share the vector's).
        var gather = TlbGather.Rent(mm);
        try
        {
            for (var addr = b.Start; addr < b.End;)
            {
                if (b.Current.FatalSignal.IsPending)
                {
                    return -Errno.EINTR;
                }

                var stop = PageTable.PmdAddrEnd(addr, b.End);
                var table = mm.PageTable.Lookup(addr);
                if (table is null)
                {
                    addr = mm.PageTable.NextTable(stop, b.End);
                    continue;
                }

                var count = 0;
                var splitFolio = -1;
                var anonSplit = -1;
                int[]? reclaimFolio = null;
                using (table.Ptl.EnterScope())
                {
                    if (table.Huge != 0 && HugePmdLocked(b, table, addr, stop, pageout, anonOnly, gather, ref splitFolio, ref anonSplit, ref reclaimFolio))
                    {
                        addr = anonSplit >= 0 ? addr : stop;
                    }

                    for (; anonSplit < 0 && addr < stop && count < BatchSize; addr += PageSize.PAGE_SIZE)
                    {
                        var index = PageTable.PteIndex(addr);
                        var pte = table.Get(index);
                        if (!pte.IsPresent || pte.Pfn == PhysicalMemory.ZeroPfn)
                        {
                            continue;
                        }

                        var pfn = pte.Pfn;
                        ref var frame = ref memory.Frame(pfn);
                        var flags = (PageFlags)Volatile.Read(ref frame.Flags);

                        // A large folio the range does not cover whole is split first (unless another
                        // process shares it); so is one PAGEOUT covers whole but cannot swap out.
                        if ((flags & PageFlags.AnonLarge) != 0)
                        {
                            var whole = MmStruct.FolioFullyMappedInRange(table, HugePage.Align(addr), b.Start, b.End, pfn);
                            if (!whole && mm.AnonFolioMappedShared(pfn))
                            {
                                continue;
                            }

                            if (!whole || (pageout && (flags & PageFlags.SwapBacked) != 0 && kernel.Swap is null && Volatile.Read(ref frame.MapCount) == 1))
                            {
                                anonSplit = pfn;
                                break;
                            }
                        }

                        // Do not interfere with other mappings of the page, nor with pages off the LRU.
                        if ((flags & PageFlags.Lru) == 0 || Volatile.Read(ref frame.MapCount) != 1)
                        {
                            continue;
                        }

                        if (anonOnly && (flags & PageFlags.Anon) == 0)
                        {
                            continue;
                        }

                        if (!pageout && pte.Young)
                        {
                            table.Set(index, pte.WithYoung(false));
                            gather.AddRange(addr, PageSize.PAGE_SIZE);
                        }

                        if (pageout)
                        {
                            if ((flags & PageFlags.Unevictable) == 0 && TryIsolate(kernel, pfn))
                            {
                                isolated[count++] = pfn;
                            }
                        }
                        else
                        {
                            // folio_clear_referenced() now; folio_deactivate() through the batch.
                            Interlocked.And(ref frame.Flags, ~(int)PageFlags.Referenced);
                            kernel.LruBatches.Deactivate(pfn);
                        }
                    }
                }

                if (splitFolio >= 0)
                {
                    // split_folio() of a page-cache folio unmaps it everywhere; nothing is left
                    // mapped in the block to deactivate or reclaim.
                    Filemap.SplitLargeFolio(kernel, splitFolio);
                }

                if (anonSplit >= 0)
                {
                    // split_folio() of an anonymous folio, with the lock dropped; the walk goes on
                    // from the same address over its small pages.
                    mm.SplitAnonFolio(anonSplit);
                }

                if (count > 0)
                {
                    Vmscan.ReclaimPages(kernel, isolated[..count]);
                }

                if (reclaimFolio is not null)
                {
                    // Reclaim unmaps through the reverse map, which takes the lock just dropped.
                    for (var i = 0; i < reclaimFolio.Length; i += BatchSize)
                    {
                        Vmscan.ReclaimPages(kernel, reclaimFolio.AsSpan(i, Math.Min(BatchSize, reclaimFolio.Length - i)));
                    }
                }
            }
        }
        finally
        {
            TlbGather.Return(gather);
        }

        return 0;
    }

    /// <summary>
    /// The huge-entry branch of madvise_cold_or_pageout_pte_range(). The huge zero page, a huge
    /// page another process maps too, and (for an anonymous-only pageout) a file's folio are left
    /// alone. A range covering part of the block splits the folio, which the caller does once the
    /// lock is dropped: an anonymous one (<paramref name="anonSplit"/>; the walk then goes on over
    /// its small pages), a page-cache one (<paramref name="splitFolio"/>). A whole
    /// block: COLD makes the entry old and deactivates its frames, still huge. PAGEOUT of
    /// anonymous memory: a clean lazy-free huge page is discarded at once, entry and all
    /// (__discard_anon_folio_pmd_locked()); a lazy-free one written again becomes swap-backed and
    /// stays, PTE-mapped (what the 6.18.44 host does, madv-thp-split.scn W); any other: without
    /// swap the folio is split (folio_alloc_swap() fails and shrink_folio_list() splits it to
    /// retry page by page) and its pages kept, with swap the walk swaps them out page by page. A
    /// file's folio is reclaimed page by page as the walk below would.
    /// </summary>
    /// <returns>True when the block is done; false when the PTE walk must go on over it.</returns>
    /// <remarks>Precondition: the table's lock is held and it holds a huge entry.</remarks>
    private static bool HugePmdLocked(MadviseBehavior b, PteTable table, ulong addr, ulong stop, bool pageout, bool anonOnly, TlbGather gather, ref int splitFolio, ref int anonSplit, ref int[]? reclaimFolio)
    {
        var mm = b.Mm;
        var vma = b.Vma!;
        var kernel = mm.Kernel;
        var memory = kernel.Memory;
        var pmd = table.GetHuge();
        if (pmd.IsHugeZero || mm.HugePageMappedShared(pmd.Pfn))
        {
            return true;
        }

        var flags = (PageFlags)Volatile.Read(ref memory.Frame(pmd.Pfn).Flags);
        var anon = (flags & PageFlags.Anon) != 0;
        if (anonOnly && !anon)
        {
            return true;
        }

        var haddr = HugePage.Align(addr);
        if (stop - addr != HugePage.Size)
        {
            if (!anon)
            {
                splitFolio = pmd.Pfn;
                return true;
            }

            anonSplit = pmd.Pfn;
            return true;
        }

        if (!pageout)
        {
            if (pmd.Young)
            {
                table.SetHuge(pmd.WithYoung(false));
                gather.AddRange(haddr, HugePage.Size);
            }

            // A large folio passes through the batch at once (folio_may_be_lru_cached()).
            for (var i = 0; i < HugePage.Pages; i++)
            {
                Interlocked.And(ref memory.Frame(pmd.Pfn + i).Flags, ~(int)PageFlags.Referenced);
                kernel.LruBatches.Deactivate(pmd.Pfn + i);
            }

            return true;
        }

        if (!anon)
        {
            // A page-cache folio: its frames are isolated now and reclaimed one by one once the
            // lock is dropped (reclaim keeps dirty shmem pages, which need swap).
            reclaimFolio = IsolateHuge(kernel, pmd.Pfn);
            return true;
        }

        if ((flags & PageFlags.SwapBacked) != 0)
        {
            if (kernel.Swap is null)
            {
                // folio_alloc_swap() fails: shrink_folio_list() splits the folio to retry page by
                // page (zero-filled pages go to the zero page), then keeps the rest.
                anonSplit = pmd.Pfn;
                return true;
            }

            // With swap the walk below takes the pages one by one: the same swap entries as
            // Linux's swap-out of the whole huge page.
            mm.SplitHugePmdLocked(vma, table, haddr);
            return false;
        }

        var dirty = pmd.Dirty;
        for (var i = 0; i < HugePage.Pages && !dirty; i++)
        {
            dirty = (Volatile.Read(ref memory.Frame(pmd.Pfn + i).Flags) & (int)(PageFlags.Dirty | PageFlags.Mlocked)) != 0;
        }

        if (dirty)
        {
            for (var i = 0; i < HugePage.Pages; i++)
            {
                kernel.Lru.Update(pmd.Pfn + i, PageFlags.SwapBacked, 0);
            }

            mm.SplitHugePmdLocked(vma, table, haddr);
            return true;
        }

        mm.ZapHugePmdLocked(vma, table, haddr, gather);
        kernel.Stats.RecordLazyFreed(HugePage.Pages);
        kernel.Stats.RecordReclaimed(HugePage.Pages);
        return true;
    }

    /// <summary>Isolates the evictable frames of the huge page at <paramref name="pfn"/>, each with a new reference. Precondition: the lock of the table mapping it is held.</summary>
    private static int[] IsolateHuge(SimulatedKernel kernel, int pfn)
    {
        var isolated = new List<int>(HugePage.Pages);
        for (var i = 0; i < HugePage.Pages; i++)
        {
            var flags = (PageFlags)Volatile.Read(ref kernel.Memory.Frame(pfn + i).Flags);
            if ((flags & (PageFlags.Lru | PageFlags.Unevictable)) == PageFlags.Lru && TryIsolate(kernel, pfn + i))
            {
                isolated.Add(pfn + i);
            }
        }

        return [.. isolated];
    }

    /// <summary>folio_isolate_lru(): takes the frame off its list with a new reference.</summary>
    private static bool TryIsolate(SimulatedKernel kernel, int pfn)
    {
        kernel.Memory.Get(pfn);
        kernel.Lru.Remove(pfn);
        Interlocked.And(ref kernel.Memory.Frame(pfn).Flags, ~(int)PageFlags.Referenced);
        return true;
    }
}
