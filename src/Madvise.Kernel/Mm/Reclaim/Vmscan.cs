using Madvise.Abi;
using Madvise.Kernel.Fs;
using Madvise.Kernel.Mm.Huge;
using Madvise.Kernel.Mm.Locking;
using Madvise.Kernel.Mm.PageTables;
using Madvise.Kernel.Mm.Tlb;
using Madvise.Kernel.Mm.Physical;
using Madvise.Kernel.Mm.Vmas;

namespace Madvise.Kernel.Mm.Reclaim;

/// <summary>
/// Page reclaim (Linux: mm/vmscan.c shrink_folio_list(), mm/rmap.c try_to_unmap()): frees
/// isolated frames that can go — clean lazy-free pages are discarded, anonymous pages are
/// written to swap (when there is swap), clean file pages leave the page cache — and puts the
/// rest back on the LRU.
/// </summary>
internal static class Vmscan
{
    /// <summary>
    /// reclaim_pages(): tries to reclaim every frame of <paramref name="isolated"/>. Each arrives
    /// off the LRU with one reference held by the caller (the isolation), which this consumes.
    /// </summary>
    /// <returns>Frames freed.</returns>
    public static long ReclaimPages(SimulatedKernel kernel, ReadOnlySpan<int> isolated)
    {
        long freed = 0;
        foreach (var pfn in isolated)
        {
            if (ShrinkFolio(kernel, pfn))
            {
                freed++;
            }
        }

        kernel.Stats.RecordReclaimed(freed);
        return freed;
    }

    private static bool ShrinkFolio(SimulatedKernel kernel, int pfn)
    {
        var memory = kernel.Memory;
        ref var frame = ref memory.Frame(pfn);
        var flags = (PageFlags)Volatile.Read(ref frame.Flags);
        if ((flags & (PageFlags.Unevictable | PageFlags.Mlocked | PageFlags.HwPoison)) != 0)
        {
            return PutBack(kernel, pfn);
        }

        if ((flags & PageFlags.Anon) != 0)
        {
            if ((flags & PageFlags.SwapBacked) == 0)
            {
                // Lazy-free: discard unless some mapping, or the kernel writing through GUP,
                // dirtied it again (try_to_unmap_one() checks the PTE and the folio).
                if ((flags & PageFlags.Dirty) != 0 || !TryUnmap(kernel, pfn, swapSlot: -1, UnmapMode.LazyFree))
                {
                    kernel.Lru.Update(pfn, PageFlags.SwapBacked, 0);
                    return PutBack(kernel, pfn);
                }

                kernel.Stats.RecordLazyFreed();
                return Release(kernel, pfn);
            }

            if (kernel.Swap is not { } swap)
            {
                // No swap: anonymous memory cannot be reclaimed (it is activated).
                kernel.Lru.Update(pfn, PageFlags.Active, 0);
                return PutBack(kernel, pfn);
            }

            var slot = swap.WriteOut(pfn);
            if (slot < 0)
            {
                return PutBack(kernel, pfn);
            }

            kernel.Faults.At(FaultPoint.ReclaimSlotWritten);
            if (!TryUnmap(kernel, pfn, slot, UnmapMode.Reclaim))
            {
                swap.Free(slot);
                return PutBack(kernel, pfn);
            }

            // TryUnmap gave every former mapping its own reference to the slot; drop ours.
            swap.Free(slot);
            kernel.Stats.RecordSwapOut();
            return Release(kernel, pfn);
        }

        // Linux: mm/vmscan.c shrink_folio_list(). A page-cache page (shmem included) is unmapped
        // from every process first, a dirty PTE passing its dirtiness to the page; only then is a
        // dirty page kept: reclaim from madvise writes no file page back (only kswapd does), and
        // shmem without swap cannot be written (AOP_WRITEPAGE_ACTIVATE). Either way it stays in
        // the page cache, unmapped. A clean page goes: a clean shmem page holds only the zeros a
        // fault filled it with (__remove_mapping()).
        if (frame.Mapping is not PageCache cache || !TryUnmap(kernel, pfn, swapSlot: -1, UnmapMode.Reclaim))
        {
            return PutBack(kernel, pfn);
        }

        if ((Volatile.Read(ref frame.Flags) & (int)PageFlags.Dirty) != 0)
        {
            return (flags & PageFlags.Shmem) != 0 && kernel.Swap is { } shmemSwap
                ? ShmemWriteout(kernel, shmemSwap, pfn)
                : PutBack(kernel, pfn);
        }

        using (cache.Lock.EnterScope())
        {
            if (Volatile.Read(ref frame.RefCount) != 2 || Volatile.Read(ref frame.MapCount) != 0
                || (Volatile.Read(ref frame.Flags) & (int)PageFlags.Dirty) != 0
                || !cache.TryGetLocked(frame.Index, out var cached) || cached != pfn)
            {
                return PutBack(kernel, pfn);
            }

            cache.RemoveLocked(frame.Index);
        }

        memory.Put(pfn); // the page cache's reference
        return Release(kernel, pfn);
    }

    /// <summary>
    /// shmem_writeout() via pageout(): a dirty shmem page is unmapped from every mapping (its
    /// PTEs become empty; shmem keeps no swap entries in page tables), written to a swap slot,
    /// and its page-cache entry replaced by the slot, to be read back by the next fault there.
    /// </summary>
    private static bool ShmemWriteout(SimulatedKernel kernel, SwapArea swap, int pfn)
    {
        ref var frame = ref kernel.Memory.Frame(pfn);
        if (frame.Mapping is not PageCache cache || !TryUnmap(kernel, pfn, swapSlot: -1, UnmapMode.Force))
        {
            return PutBack(kernel, pfn);
        }

        // Nothing maps it now and every translation was flushed: the copy is final.
        var slot = swap.WriteOut(pfn);
        if (slot < 0)
        {
            return PutBack(kernel, pfn);
        }

        using (cache.Lock.EnterScope())
        {
            if (Volatile.Read(ref frame.RefCount) != 2 || Volatile.Read(ref frame.MapCount) != 0
                || !cache.TryGetLocked(frame.Index, out var cached) || cached != pfn)
            {
                swap.Free(slot);
                return PutBack(kernel, pfn);
            }

            cache.RemoveLocked(frame.Index);
            cache.Inode.SetSwappedLocked(frame.Index, slot);
        }

        kernel.Memory.Put(pfn); // the page cache's reference
        kernel.Stats.RecordSwapOut();
        return Release(kernel, pfn);
    }

    /// <summary>Drops the isolation reference of a frame that is now unreferenced; true when it was freed.</summary>
    private static bool Release(SimulatedKernel kernel, int pfn)
    {
        ref var frame = ref kernel.Memory.Frame(pfn);
        var last = Volatile.Read(ref frame.RefCount) == 1;
        kernel.Memory.Put(pfn);
        return last;
    }

    private static bool PutBack(SimulatedKernel kernel, int pfn)
    {
        kernel.Lru.Add(pfn);
        kernel.Memory.Put(pfn);
        return false;
    }

    /// <summary>
    /// try_to_unmap(): clears every PTE mapping <paramref name="pfn"/> (through the reverse map),
    /// replacing it with a swap entry for <paramref name="swapSlot"/> when given. Each cleared
    /// translation is flushed from every CPU before the frame can be freed. Reclaim stops at a
    /// page mlocked meanwhile, lazy-free reclaim at a dirty PTE; <see cref="UnmapMode.Force"/> at neither.
    /// </summary>
    /// <returns>True when no PTE maps the frame any more.</returns>
    public static bool TryUnmap(SimulatedKernel kernel, int pfn, int swapSlot, UnmapMode mode)
    {
        var memory = kernel.Memory;
        ref var frame = ref memory.Frame(pfn);
        if (Volatile.Read(ref frame.MapCount) == 0)
        {
            return true;
        }

        if (frame.Mapping is AnonVma anon)
        {
            var addr = frame.Index << PageSize.PAGE_SHIFT;
            foreach (var mm in anon.Family)
            {
                var vma = mm.Vmas.FindContaining(addr);
                if (!UnmapOne(mm, vma is not null && (vma.Flags & VmFlags.VM_LOCKED) != 0, addr, pfn, swapSlot, mode))
                {
                    return false;
                }
            }
        }
        else if (frame.Mapping is PageCache cache)
        {
            foreach (var vma in cache.Inode.MappingsSnapshot())
            {
                var index = frame.Index;
                if (index < vma.PgOff || index >= vma.PgOff + vma.Pages)
                {
                    continue;
                }

                var addr = vma.Start + ((index - vma.PgOff) << PageSize.PAGE_SHIFT);
                if (!UnmapOne(vma.Mm, (vma.Flags & VmFlags.VM_LOCKED) != 0, addr, pfn, swapSlot, mode))
                {
                    return false;
                }
            }
        }

        return Volatile.Read(ref frame.MapCount) == 0;
    }

    /// <param name="lockedVma">The mapping at <paramref name="addr"/> belongs to a VM_LOCKED VMA.</param>
    private static bool UnmapOne(MmStruct mm, bool lockedVma, ulong addr, int pfn, int swapSlot, UnmapMode mode)
    {
        // No mmap_lock: the table may be freed meanwhile (the VMA unmapped, the mm torn down),
        // and is only used once its lock shows it is still the table of this address.
        var table = mm.PageTable.LookupUnlocked(addr);
        if (table is null)
        {
            return true;
        }

        var memory = mm.Kernel.Memory;
        using (table.Ptl.EnterScope())
        {
            if (!table.IsLiveFor(mm.PageTable, addr))
            {
                return true;
            }

            // TTU_SPLIT_HUGE_PMD: a huge entry over the page is split first (a file's is just
            // unmapped, which is all this walk wants). The split needs no allocation: the PTE
            // table is the one deposited behind the huge entry.
            var pmd = table.GetHuge();
            if (pmd.IsPresent)
            {
                if (pmd.IsHugeZero || pfn < pmd.Pfn || pfn >= pmd.Pfn + HugePage.Pages)
                {
                    return true;
                }

                mm.SplitHugePmdLocked(table, HugePage.Align(addr), lockedVma);
            }

            var index = PageTable.PteIndex(addr);
            var pte = table.Get(index);
            if (!pte.IsPresent || pte.Pfn != pfn)
            {
                return true;
            }

            if (mode == UnmapMode.LazyFree && pte.Dirty)
            {
                return false;
            }

            ref var frame = ref memory.Frame(pfn);
            if (mode != UnmapMode.Force && (Volatile.Read(ref frame.Flags) & (int)PageFlags.Mlocked) != 0)
            {
                // Locked since reclaim looked at it: it stays (try_to_unmap_one and VM_LOCKED).
                return false;
            }

            if (pte.Dirty && (frame.Flags & (int)PageFlags.Anon) == 0)
            {
                // The page was written through this mapping: the page is dirty from now on (the
                // caller keeps a dirty page-cache page in the cache, unmapped).
                Interlocked.Or(ref frame.Flags, (int)PageFlags.Dirty);
            }

            if (swapSlot >= 0)
            {
                mm.Kernel.Swap!.Duplicate(swapSlot);
                table.Set(index, Pte.Swap(swapSlot));
            }
            else
            {
                table.Set(index, Pte.None);
            }

            mm.AddRss(pfn, -1);
            var vpn = addr >> PageSize.PAGE_SHIFT;
            TlbFlush.FlushRange(mm, vpn, vpn + 1);
            if (swapSlot >= 0)
            {
                // The task may have stored into the page after ShrinkFolio copied it to swap, up
                // to the flush just done (through this PTE or a cached translation). Nothing can
                // store now, and a fault on the swap entry waits for this PTE lock: copy again,
                // so the slot holds the last store (Linux unmaps before writing the page out).
                mm.Kernel.Swap!.Store(swapSlot, pfn);
            }
            Interlocked.Decrement(ref frame.MapCount);
            if (lockedVma)
            {
                mm.Kernel.Lru.Munlock(pfn);
            }
        }

        memory.Put(pfn); // the PTE's reference
        return true;
    }

    /// <summary>
    /// Memory pressure: scans the inactive lists (file first, then anonymous) and reclaims up to
    /// <paramref name="maxPages"/> frames. Used by <see cref="SimulatedKernel.Reclaim"/>.
    /// </summary>
    public static long ShrinkInactive(SimulatedKernel kernel, long maxPages)
    {
        // shrink_inactive_list() and shrink_active_list() drain this CPU's batches before they
        // isolate: a frame waiting in one is moved first.
        kernel.LruBatches.Drain();
        long freed = 0;
        Span<int> batch = stackalloc int[32];
        foreach (var list in new[] { LruList.InactiveFile, LruList.InactiveAnon, LruList.ActiveFile, LruList.ActiveAnon })
        {
            while (freed < maxPages)
            {
                var n = kernel.Lru.Isolate(list, batch[..(int)Math.Min(batch.Length, maxPages - freed)]);
                if (n == 0)
                {
                    break;
                }

                var got = ReclaimPages(kernel, batch[..n]);
                freed += got;
                if (got == 0)
                {
                    break;
                }
            }
        }

        return freed;
    }
}
