using Madvise.Abi;
using Madvise.Kernel.Fs;
using Madvise.Kernel.Mm.Physical;
using Madvise.Kernel.Mm.Reclaim;

namespace Madvise.Kernel.Mm.Huge;

/// <summary>
/// MADV_COLLAPSE of a shmem file's page cache (Linux: mm/khugepaged.c hpage_collapse_scan_file(),
/// collapse_file(), retract_page_tables()): 512 cached pages at a 2 MiB-aligned index become one
/// PMD-sized folio.
/// </summary>
internal static class CollapseFile
{
    /// <summary>
    /// Scans the range from <paramref name="start"/>, then collapses it: each cached page is
    /// unmapped from every mapping and copied into a new huge page, missing pages become zeros
    /// (a range with no page at all is SCAN_TRUNCATED), the new folio (dirty, as shmem has no
    /// backing store) replaces them in the page cache, and the page tables of the other mappings
    /// without an anon_vma are freed so that their next fault maps it by one huge entry.
    /// </summary>
    /// <returns><see cref="ScanResult.PteMappedHugepage"/> when the page cache holds the folio
    /// (built now or already there): the caller maps it; else the reason it could not.</returns>
    /// <remarks>Precondition: no page-table lock (the unmapping takes them, under the page cache lock).</remarks>
    public static ScanResult Collapse(SimulatedKernel kernel, Inode inode, ulong start)
    {
        var memory = kernel.Memory;
        var cache = inode.Cache;
        SwapIn(kernel, inode, start);
        var scan = Scan(memory, cache, start);
        if (scan != ScanResult.Succeed)
        {
            return scan;
        }

        var pfn = memory.AllocateHuge(zero: false);
        if (pfn < 0)
        {
            return ScanResult.AllocHugePageFail;
        }

        Span<int> old = stackalloc int[HugePage.Pages];
        lock (cache.Lock)
        {
            var result = IsolateLocked(kernel, cache, start, old);
            if (result != ScanResult.Succeed)
            {
                PutHuge(memory, pfn);
                return result;
            }

            for (var i = 0; i < HugePage.Pages; i++)
            {
                memory.CopyOrClear(old[i], pfn + i);

                ref var f = ref memory.Frame(pfn + i);
                f.Flags = (int)(PageFlags.Shmem | PageFlags.SwapBacked | PageFlags.Dirty);
                f.Mapping = cache;
                f.Index = start + (ulong)i;
                if (old[i] >= 0)
                {
                    cache.RemoveLocked(start + (ulong)i);
                }

                // The allocation's reference becomes the page cache's.
                cache.AddLocked(start + (ulong)i, pfn + i);
            }

            Interlocked.Or(ref memory.Frame(pfn).Flags, (int)PageFlags.LargeHead);
        }

        kernel.Lru.AddRange(pfn, HugePage.Pages);
        for (var i = 0; i < HugePage.Pages; i++)
        {
            if (old[i] >= 0)
            {
                kernel.Lru.Remove(old[i]);
                memory.Put(old[i]); // the page cache's reference; nothing maps it any more
            }
        }

        RetractPageTables(inode, start);
        kernel.Stats.RecordThpCollapseAlloc();
        return ScanResult.PteMappedHugepage;
    }

    /// <summary>collapse_file() reads swapped-out pages of the range back first (shmem_get_folio()).</summary>
    private static void SwapIn(SimulatedKernel kernel, Inode inode, ulong start)
    {
        if (kernel.Swap is null)
        {
            return;
        }

        var swapped = new List<ulong>();
        lock (inode.Cache.Lock)
        {
            for (var i = 0UL; i < HugePage.Pages; i++)
            {
                if (inode.IsSwappedLocked(start + i))
                {
                    swapped.Add(start + i);
                }
            }
        }

        foreach (var index in swapped)
        {
            var pfn = Filemap.GetPage(kernel, inode, index);
            if (pfn >= 0)
            {
                kernel.Memory.Put(pfn);
            }
        }
    }

    /// <summary>
    /// hpage_collapse_scan_file(): a PMD-sized folio at <paramref name="start"/> is there already
    /// (PTE_MAPPED_HUGEPAGE); a page off the LRU (PAGE_LRU) or with references its mappings and
    /// the page cache do not explain (PAGE_COUNT) stops it.
    /// </summary>
    private static ScanResult Scan(PhysicalMemory memory, PageCache cache, ulong start)
    {
        lock (cache.Lock)
        {
            for (var i = 0; i < HugePage.Pages; i++)
            {
                if (!cache.TryGetLocked(start + (ulong)i, out var pfn))
                {
                    continue;
                }

                ref var frame = ref memory.Frame(pfn);
                var flags = (PageFlags)Volatile.Read(ref frame.Flags);
                if (i == 0 && (flags & PageFlags.LargeHead) != 0)
                {
                    return ScanResult.PteMappedHugepage;
                }

                if ((flags & PageFlags.Lru) == 0)
                {
                    return ScanResult.PageLru;
                }

                if (Volatile.Read(ref frame.RefCount) != 1 + Volatile.Read(ref frame.MapCount))
                {
                    return ScanResult.PageCount;
                }
            }
        }

        return ScanResult.Succeed;
    }

    /// <summary>
    /// The page loop of collapse_file(): fills <paramref name="old"/> with the cached frame of
    /// each index (-1 for a hole), unmapping each from every mapping (try_to_unmap() with
    /// TTU_IGNORE_MLOCK). A page found unmappable stops it; pages already unmapped stay so and
    /// fault back in. Precondition: the page cache lock is held.
    /// </summary>
    private static ScanResult IsolateLocked(SimulatedKernel kernel, PageCache cache, ulong start, Span<int> old)
    {
        var memory = kernel.Memory;
        var any = false;
        for (var i = 0; i < HugePage.Pages; i++)
        {
            old[i] = cache.TryGetLocked(start + (ulong)i, out var pfn) ? pfn : -1;
            any |= old[i] >= 0;
        }

        if (!any)
        {
            return ScanResult.Truncated;
        }

        for (var i = 0; i < HugePage.Pages; i++)
        {
            var pfn = old[i];
            if (pfn < 0)
            {
                continue;
            }

            ref var frame = ref memory.Frame(pfn);
            if (i == 0 && frame.Has(PageFlags.LargeHead))
            {
                return ScanResult.PteMappedHugepage;
            }

            if (!frame.Has(PageFlags.Lru))
            {
                return ScanResult.DelPageLru;
            }

            Vmscan.TryUnmap(kernel, pfn, swapSlot: -1, UnmapMode.Force);
            if (Volatile.Read(ref frame.RefCount) != 1)
            {
                return ScanResult.PageCount;
            }
        }

        return ScanResult.Succeed;
    }

    /// <summary>retract_page_tables(): frees the block's page table in every mapping of the file without an anon_vma whose block is suitably placed.</summary>
    private static void RetractPageTables(Inode inode, ulong start)
    {
        foreach (var vma in inode.MappingsSnapshot())
        {
            // A written private mapping (anon_vma) keeps its table; so does one that may hold guard
            // markers (VM_MAYBE_GUARD): the markers live in the table, and the reference host
            // leaves it (a collapse there then fails with SCAN_PTE_NON_PRESENT).
            if (vma.AnonVma is not null || (vma.Flags & Vmas.VmFlags.VM_GUARD_INSTALLED) != 0
                || start < vma.PgOff || start >= vma.PgOff + vma.Pages)
            {
                continue;
            }

            var addr = vma.Start + ((start - vma.PgOff) << PageSize.PAGE_SHIFT);
            if (addr != HugePage.Align(addr) || vma.End < addr + HugePage.Size)
            {
                continue;
            }

            vma.Mm.RetractPageTable(addr);
        }
    }

    private static void PutHuge(PhysicalMemory memory, int pfn)
    {
        Span<int> frames = stackalloc int[HugePage.Pages];
        for (var i = 0; i < frames.Length; i++)
        {
            frames[i] = pfn + i;
        }

        memory.PutBatch(frames);
    }
}
