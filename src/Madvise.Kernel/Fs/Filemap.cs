using Madvise.Abi;
using Madvise.Kernel.Mm.Physical;

namespace Madvise.Kernel.Fs;

/// <summary>Page cache reads (Linux: mm/filemap.c filemap_fault(), mm/shmem.c shmem_get_folio()).</summary>
internal static class Filemap
{
    /// <summary>The page is beyond the end of the file (the fault raises SIGBUS).</summary>
    public const int BeyondEof = -1;

    /// <summary>No frame could be allocated.</summary>
    public const int OutOfMemory = -2;

    /// <summary>
    /// Returns the frame caching page <paramref name="index"/> of <paramref name="inode"/> with a
    /// new reference for the caller, reading it from the backing store (or zero-filling a shmem
    /// hole) when it is not cached.
    /// </summary>
    public static int GetPage(SimulatedKernel kernel, Inode inode, ulong index)
    {
        if (index >= inode.PageCount)
        {
            return BeyondEof;
        }

        var memory = kernel.Memory;
        var cache = inode.Cache;
        lock (cache.Lock)
        {
            if (cache.TryGetLocked(index, out var cached))
            {
                memory.Get(cached);
                return cached;
            }
        }

        var pfn = memory.Allocate(zero: false);
        if (pfn < 0)
        {
            return OutOfMemory;
        }

        lock (cache.Lock)
        {
            if (cache.TryGetLocked(index, out var raced))
            {
                memory.Put(pfn);
                memory.Get(raced);
                return raced;
            }

            // A swapped-out shmem page comes back from its slot, dirty: the slot is freed
            // (mm/shmem.c shmem_swapin_folio()).
            var slot = inode.TakeSwappedLocked(index);
            if (slot >= 0)
            {
                kernel.Swap!.ReadIn(slot, pfn);
                kernel.Swap.Free(slot);
                kernel.Stats.RecordSwapIn();
            }
            else
            {
                inode.ReadStoreLocked(index, memory.Page(pfn));
            }

            InitCacheFrame(kernel, inode, index, pfn, dirty: slot >= 0);
            cache.AddLocked(index, pfn);

            // One reference for the cache (the allocation's) and one for the caller.
            memory.Get(pfn);
        }

        kernel.Lru.Add(pfn);
        return pfn;
    }

    /// <summary>
    /// The frame caching page <paramref name="index"/> with a new reference for the caller, or -1
    /// when it is not cached (nothing is read or allocated) or is hardware-poisoned.
    /// </summary>
    public static int TryGetCached(SimulatedKernel kernel, Inode inode, ulong index)
    {
        var cache = inode.Cache;
        lock (cache.Lock)
        {
            if (!cache.TryGetLocked(index, out var pfn) || kernel.Memory.Frame(pfn).Has(PageFlags.HwPoison))
            {
                return -1;
            }

            kernel.Memory.Get(pfn);
            return pfn;
        }
    }

    /// <summary>
    /// The first frame of the PMD-sized folio caching the 512 pages from <paramref name="index"/>
    /// (2 MiB-aligned in the file), with one new reference on each of its frames for the caller, or
    /// -1 when the page there is not the head of such a folio (or is hardware-poisoned).
    /// </summary>
    public static int TryGetLargeFolio(SimulatedKernel kernel, Inode inode, ulong index)
    {
        var cache = inode.Cache;
        var memory = kernel.Memory;
        lock (cache.Lock)
        {
            if (!cache.TryGetLocked(index, out var head) || !memory.Frame(head).Has(PageFlags.LargeHead))
            {
                return -1;
            }

            for (var i = 0; i < Mm.Huge.HugePage.Pages; i++)
            {
                if (memory.Frame(head + i).Has(PageFlags.HwPoison))
                {
                    return -1;
                }
            }

            for (var i = 0; i < Mm.Huge.HugePage.Pages; i++)
            {
                memory.Get(head + i);
            }

            return head;
        }
    }

    /// <summary>
    /// split_folio() of a PMD-sized page-cache folio (COLD/PAGEOUT over part of it): it is unmapped
    /// from every mapping (huge entries and PTEs; file pages are not mapped again, they fault back
    /// in) and its pages stay cached as single pages.
    /// </summary>
    public static void SplitLargeFolio(SimulatedKernel kernel, int head)
    {
        var memory = kernel.Memory;
        if (memory.Frame(head).Mapping is not PageCache cache)
        {
            return;
        }

        lock (cache.Lock)
        {
            ref var frame = ref memory.Frame(head);
            if (!frame.Has(PageFlags.LargeHead) || !ReferenceEquals(frame.Mapping, cache))
            {
                return;
            }

            Interlocked.And(ref frame.Flags, ~(int)PageFlags.LargeHead);
            for (var i = 0; i < Mm.Huge.HugePage.Pages; i++)
            {
                Mm.Reclaim.Vmscan.TryUnmap(kernel, head + i, swapSlot: -1, Mm.Reclaim.UnmapMode.Force);
            }
        }
    }

    /// <summary>Fills a new regular file's or memfd's page cache with <paramref name="fill"/> (write + fsync).</summary>
    public static long Populate(SimulatedKernel kernel, Inode inode, byte fill)
    {
        var memory = kernel.Memory;
        for (ulong index = 0; index < inode.PageCount; index++)
        {
            var pfn = memory.Allocate(zero: false);
            if (pfn < 0)
            {
                return -Errno.ENOSPC;
            }

            var page = memory.Page(pfn);
            var start = index << PageSize.PAGE_SHIFT;
            var valid = (int)Math.Min(PageSize.PAGE_SIZE, inode.Size - start);
            page[..valid].Fill(fill);
            page[valid..].Clear();
            lock (inode.Cache.Lock)
            {
                // write() dirties every page; fsync cleans a regular file's, while shmem has
                // no backing store to write to and stays dirty.
                InitCacheFrame(kernel, inode, index, pfn, dirty: inode.IsShmem);
                inode.Cache.AddLocked(index, pfn);
            }

            kernel.Lru.Add(pfn);
        }

        return 0;
    }

    private static void InitCacheFrame(SimulatedKernel kernel, Inode inode, ulong index, int pfn, bool dirty)
    {
        ref var f = ref kernel.Memory.Frame(pfn);
        f.Index = index;
        f.Mapping = inode.Cache;

        // shmem pages are swap-backed (anon LRU); regular file pages live on the file LRU. A page
        // read in from the file, or a shmem hole filled with zeros by a fault, is clean
        // (mm/shmem.c shmem_get_folio_gfp() marks a new folio uptodate, not dirty): reclaim may
        // drop it.
        var flags = inode.IsShmem ? PageFlags.Shmem | PageFlags.SwapBacked : 0;
        f.Flags = (int)(dirty ? flags | PageFlags.Dirty : flags);
    }
}
