using Madvise.Abi;
using Madvise.Kernel.Fs;
using Madvise.Kernel.Mm.PageTables;
using Madvise.Kernel.Mm.Physical;
using Madvise.Kernel.Mm.Reclaim;

namespace Madvise.Kernel.Advice;

/// <summary>MADV_WILLNEED (Linux: mm/madvise.c madvise_willneed()): start reading what the range will need.</summary>
internal static class WillNeed
{
    /// <summary>
    /// Anonymous memory: read swapped-out pages into the swap cache (they stay unmapped until
    /// touched). shmem: nothing (the model never swaps shmem). Regular files: drop the mmap_lock,
    /// read the file range into the page cache, retake the lock.
    /// </summary>
    /// <remarks>Preconditions: mmap_lock held for reading; the range lies inside <c>b.Vma</c>. May drop the lock for file read-ahead (<c>b.LockDropped</c>); it is held again on return.</remarks>
    public static long Run(MadviseBehavior b)
    {
        var vma = b.Vma!;
        if (vma.File is null)
        {
            if (b.Mm.Kernel.Swap is { } swap)
            {
                SwapIn(b, swap);
            }

            // "Push any new pages onto the LRU now": this drains every batch of the CPU.
            b.Mm.Kernel.LruBatches.Drain();
            return 0;
        }

        if (vma.File.Inode.IsShmem)
        {
            b.Mm.Kernel.LruBatches.Drain();
            return 0;
        }

        var inode = vma.File.Inode;
        var first = vma.PageIndex(b.Start);
        var last = vma.PageIndex(b.End - 1);
        var kernel = b.Mm.Kernel;

        // vfs_fadvise() may sleep on I/O: the mmap_lock is not held across it. get_file() first:
        // without the lock the VMA may be unmapped and the file closed, and pages read into the
        // page cache of a file that went would never be freed.
        inode.Get();
        MadviseCore.DropMmapReadLock(b);
        try
        {
            for (var index = first; index <= last && index < inode.PageCount; index++)
            {
                var pfn = Filemap.GetPage(kernel, inode, index);
                if (pfn >= 0)
                {
                    kernel.Memory.Put(pfn);
                }
            }
        }
        finally
        {
            inode.Put();
            MadviseCore.RetakeMmapReadLock(b);
        }

        return 0;
    }

    /// <summary>swapin_walk_pmd_entry(): each swap PTE's slot is read into the swap cache.</summary>
    /// <remarks>
    /// The slot is read and cached under the PTE lock, with the PTE re-checked: while this PTE
    /// holds the slot, the slot cannot be freed (a fault or zap needs the lock) nor reused for
    /// another page, and its data is complete (reclaim stores it before publishing the entry).
    /// Outside the lock a fault could free the slot and reclaim hand it to another page between
    /// the read and the caching, which would cache the wrong data for that page. The frame joins
    /// the LRU under the lock too: once cached, freeing the slot frees the frame.
    /// </remarks>
    private static void SwapIn(MadviseBehavior b, SwapArea swap)
    {
        var mm = b.Mm;
        for (var addr = b.Start; addr < b.End;)
        {
            // walk_page_range(): a range without page tables is skipped a whole upper-level entry
            // at a time, so a huge sparse VMA costs the tables it has, not its length.
            var stop = PageTable.PmdAddrEnd(addr, b.End);
            var table = mm.PageTable.Lookup(addr);
            if (table is null)
            {
                addr = mm.PageTable.NextTable(stop, b.End);
                continue;
            }

            for (; addr < stop; addr += PageSize.PAGE_SIZE)
            {
                if (!SwapInOne(b, swap, table, addr))
                {
                    return;
                }
            }
        }
    }

    /// <summary>One entry of <see cref="SwapIn"/>; false when no frame is free (the walk stops).</summary>
    private static bool SwapInOne(MadviseBehavior b, SwapArea swap, PteTable table, ulong addr)
    {
        var memory = b.Mm.Kernel.Memory;
        Pte pte;
        using (table.Ptl.EnterScope())
        {
            // A huge entry maps present pages only: nothing to read in.
            pte = table.Huge != 0 ? Pte.None : table.Get(PageTable.PteIndex(addr));
        }

        if (!pte.IsSwap)
        {
            return true;
        }

        var slot = pte.SwapSlot;
        var cached = swap.LookupCache(slot);
        if (cached >= 0)
        {
            memory.Put(cached);
            return true;
        }

        var pfn = memory.Allocate(zero: false);
        if (pfn < 0)
        {
            return false;
        }

        using (table.Ptl.EnterScope())
        {
            if (table.Huge != 0 || table.Get(PageTable.PteIndex(addr)) != pte)
            {
                memory.Put(pfn);
                return true;
            }

            swap.ReadIn(slot, pfn);
            ref var frame = ref memory.Frame(pfn);
            frame.Flags = (int)(PageFlags.Anon | PageFlags.SwapBacked);
            frame.Mapping = b.Vma!.AnonVma;
            frame.Index = addr >> PageSize.PAGE_SHIFT;
            if (!swap.AddToCache(slot, pfn))
            {
                memory.Put(pfn);
                return true;
            }

            b.Mm.Kernel.Lru.Add(pfn);
        }

        return true;
    }
}
