using Madvise.Kernel.Abi;
using Madvise.Kernel.Fs;
using Madvise.Kernel.Mm;

namespace Madvise.Kernel.Advice;

/// <summary>MADV_WILLNEED (Linux: mm/madvise.c madvise_willneed()): start reading what the range will need.</summary>
internal static class WillNeed
{
    /// <summary>
    /// Anonymous memory: read swapped-out pages into the swap cache (they stay unmapped until
    /// touched). shmem: nothing (the model never swaps shmem). Regular files: drop the mmap_lock,
    /// read the file range into the page cache, retake the lock.
    /// </summary>
    public static long Run(MadviseBehavior b)
    {
        var vma = b.Vma!;
        if (vma.File is null)
        {
            if (b.Mm.Kernel.Swap is { } swap)
            {
                SwapIn(b, swap);
            }

            return 0;
        }

        if (vma.File.Inode.IsShmem)
        {
            return 0;
        }

        var inode = vma.File.Inode;
        var first = vma.PageIndex(b.Start);
        var last = vma.PageIndex(b.End - 1);
        var kernel = b.Mm.Kernel;

        // vfs_fadvise() may sleep on I/O: the mmap_lock is not held across it.
        Madvise.DropMmapReadLock(b);
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
            Madvise.RetakeMmapReadLock(b);
        }

        return 0;
    }

    /// <summary>swapin_walk_pmd_entry(): each swap PTE's slot is read into the swap cache.</summary>
    private static void SwapIn(MadviseBehavior b, SwapArea swap)
    {
        var mm = b.Mm;
        var memory = mm.Kernel.Memory;
        for (var addr = b.Start; addr < b.End; addr += PageSize.PAGE_SIZE)
        {
            var pte = mm.PteAt(addr);
            if (!pte.IsSwap)
            {
                continue;
            }

            var slot = pte.SwapSlot;
            var cached = swap.LookupCache(slot);
            if (cached >= 0)
            {
                memory.Put(cached);
                continue;
            }

            var pfn = memory.Allocate(zero: false);
            if (pfn < 0)
            {
                return;
            }

            swap.ReadIn(slot, pfn);
            ref var frame = ref memory.Frame(pfn);
            frame.Flags = (int)(PageFlags.Anon | PageFlags.SwapBacked);
            frame.Mapping = b.Vma!.AnonVma;
            frame.Index = addr >> PageSize.PAGE_SHIFT;

            // On the LRU before the swap cache can drop our reference.
            mm.Kernel.Lru.Add(pfn);
            if (!swap.AddToCache(slot, pfn))
            {
                memory.Put(pfn);
            }
        }
    }
}
