using Madvise.Abi;
using Madvise.Kernel.Mm.Huge;
using Madvise.Kernel.Mm.PageTables;
using Madvise.Kernel.Mm.Physical;
using Madvise.Kernel.Mm.Vmas;

namespace Madvise.Kernel.Mm;

// Linux: fs/proc/task_mmu.c show_smap(), smap_gather_stats(), smaps_pte_entry(), smaps_account().
public sealed partial class MmStruct
{
    /// <summary>Fixed-point shift of the proportional counters (Linux: PSS_SHIFT).</summary>
    private const int PssShift = 12;

    /// <summary>
    /// /proc/PID/smaps for the VMAs that overlap [<paramref name="addr"/>, addr + <paramref name="length"/>):
    /// one <see cref="SmapsEntry"/> per VMA, in address order, each with the counters of the whole
    /// VMA (Rss, Anonymous, AnonHugePages, LazyFree, Swap and Locked, in KiB). A range that
    /// wraps past 2^64 ends there; a zero length overlaps nothing. Takes the mmap read lock.
    /// </summary>
    /// <remarks>
    /// The counters are those of smaps_account(): a present page counts in Rss unless it is a
    /// zero page; in Anonymous when it is anonymous; in LazyFree when it is anonymous, lost its
    /// swap-backed flag to MADV_FREE and neither its entry nor the page is dirty; a swap entry
    /// counts in Swap. Locked is the proportional size of a VM_LOCKED VMA's pages: a page mapped
    /// by n page-table entries (n &gt; 1, and not the only reference) counts 1/n of its size,
    /// summed in Linux's fixed point and rounded down at the end.
    /// </remarks>
    public IReadOnlyList<SmapsEntry> Smaps(ulong addr, ulong length)
    {
        var end = addr + length < addr ? ulong.MaxValue : addr + length;
        var entries = new List<SmapsEntry>();
        if (length == 0)
        {
            return entries;
        }

        var token = ReadLock();
        try
        {
            for (var vma = Vmas.FindIntersection(addr, end); vma is not null && vma.Start < end; vma = Vmas.NextAfter(vma.End))
            {
                entries.Add(GatherSmapsLocked(vma));
            }

            return entries;
        }
        finally
        {
            ReadUnlock(token);
        }
    }

    /// <summary>smap_gather_stats() over the whole of <paramref name="vma"/>. Precondition: the mmap_lock is held.</summary>
    private SmapsEntry GatherSmapsLocked(Vma vma)
    {
        var memory = Kernel.Memory;
        var locked = (vma.Flags & VmFlags.VM_LOCKED) != 0;
        long rss = 0, anon = 0, anonHuge = 0, lazy = 0, swap = 0;
        ulong pssLocked = 0;

        // A shmem mapping's swapped-out pages are in the file, not in its page tables
        // (smap_gather_stats()): a shared or read-only mapping adds the file's swap usage over
        // its range; a private writable one, whose holes may hide copies, looks at each hole.
        var shmem = vma.File is { } file && file.Inode.IsShmem ? file.Inode : null;
        HashSet<ulong>? swappedHoles = null;
        if (shmem is not null)
        {
            lock (shmem.Cache.Lock)
            {
                var swapped = shmem.SwappedCountLocked;
                if (swapped > 0 && ((vma.Flags & VmFlags.VM_SHARED) != 0 || (vma.Flags & VmFlags.VM_WRITE) == 0))
                {
                    swap += (vma.PgOff == 0 && vma.End - vma.Start >= shmem.Size ? swapped : shmem.SwappedInRangeLocked(vma.PgOff, vma.PgOff + vma.Pages))
                        << PageSize.PAGE_SHIFT;
                }
                else if (swapped > 0)
                {
                    // Copied out here: the page cache lock is never taken inside a PTE lock.
                    swappedHoles = shmem.SwappedIndicesLocked();
                }
            }
        }

        for (var addr = vma.Start; addr < vma.End;)
        {
            var stop = PageTable.PmdAddrEnd(addr, vma.End);
            var table = PageTable.Lookup(addr);
            if (table is null)
            {
                if (swappedHoles is not null)
                {
                    swap += SwappedHoles(swappedHoles, vma, addr, stop);
                }

                addr = stop;
                continue;
            }

            using (table.Ptl.EnterScope())
            {
                var pmd = table.GetHuge();
                if (pmd.IsPresent)
                {
                    // smaps_pmd_entry(): the whole 2 MiB at once (a huge entry lies inside one VMA).
                    addr = stop;
                    if (pmd.IsHugeZero)
                    {
                        continue;
                    }

                    var headFlags = (PageFlags)Volatile.Read(ref memory.Frame(pmd.Pfn).Flags);
                    Account(headFlags, pmd.Dirty, (long)HugePage.Size, ref rss, ref anon, ref lazy);
                    if ((headFlags & PageFlags.Anon) != 0)
                    {
                        anonHuge += (long)HugePage.Size;
                    }

                    if (locked)
                    {
                        for (var i = 0; i < HugePage.Pages; i++)
                        {
                            pssLocked += ProportionalSize(ref memory.Frame(pmd.Pfn + i), PageSize.PAGE_SIZE);
                        }
                    }

                    continue;
                }

                for (; addr < stop; addr += PageSize.PAGE_SIZE)
                {
                    var pte = table.Get(PageTable.PteIndex(addr));
                    if (pte.IsNone && swappedHoles is not null)
                    {
                        swap += SwappedHoles(swappedHoles, vma, addr, addr + PageSize.PAGE_SIZE);
                        continue;
                    }

                    if (pte.IsSwap)
                    {
                        swap += (long)PageSize.PAGE_SIZE;
                        continue;
                    }

                    // vm_normal_page(): the zero page is no page of this process.
                    if (!pte.IsPresent || pte.Pfn == PhysicalMemory.ZeroPfn)
                    {
                        continue;
                    }

                    ref var frame = ref memory.Frame(pte.Pfn);
                    Account((PageFlags)Volatile.Read(ref frame.Flags), pte.Dirty, (long)PageSize.PAGE_SIZE, ref rss, ref anon, ref lazy);

                    if (locked)
                    {
                        pssLocked += ProportionalSize(ref frame, PageSize.PAGE_SIZE);
                    }
                }
            }
        }

        return new SmapsEntry(vma.Start, vma.End, rss >> 10, anon >> 10, anonHuge >> 10, lazy >> 10, swap >> 10, (long)(pssLocked >> PssShift >> 10));
    }

    /// <summary>
    /// The first half of smaps_account(): <paramref name="size"/> bytes of a normal page (or huge
    /// page) count in Rss, in Anonymous when anonymous, and in LazyFree when anonymous, no longer
    /// swap-backed (MADV_FREE) and clean in both its entry and its flags.
    /// </summary>
    private static void Account(PageFlags flags, bool entryDirty, long size, ref long rss, ref long anon, ref long lazy)
    {
        rss += size;
        if ((flags & PageFlags.Anon) == 0)
        {
            return;
        }

        anon += size;
        if ((flags & (PageFlags.SwapBacked | PageFlags.Dirty)) == 0 && !entryDirty)
        {
            lazy += size;
        }
    }

    /// <summary>smaps_pte_hole(): bytes of the file pages behind [start, end) of <paramref name="vma"/> that are swapped out (<paramref name="swapped"/>).</summary>
    private static long SwappedHoles(HashSet<ulong> swapped, Vma vma, ulong start, ulong end)
    {
        long n = 0;
        for (var index = vma.PageIndex(start); index < vma.PageIndex(end); index++)
        {
            if (swapped.Contains(index))
            {
                n++;
            }
        }

        return n << PageSize.PAGE_SHIFT;
    }

    /// <summary>
    /// The proportional share, in Linux's fixed point, of one page of <paramref name="size"/>
    /// bytes (smaps_account()): whole when the frame has a single reference, else divided by
    /// the number of entries that map it when that is 2 or more.
    /// </summary>
    private static ulong ProportionalSize(ref PageFrame frame, ulong size)
    {
        var pss = size << PssShift;
        if (Volatile.Read(ref frame.RefCount) == 1)
        {
            return pss;
        }

        var mapcount = Volatile.Read(ref frame.MapCount);
        return mapcount >= 2 ? pss / (ulong)mapcount : pss;
    }
}
