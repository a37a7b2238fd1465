using Madvise.Abi;
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

    /// <summary>madvise_cold(): deactivates the pages this VMA alone maps, clearing their accessed bits.</summary>
    /// <remarks>Preconditions: mmap_lock held for reading; the VMA is <c>b.Vma</c>, and <c>b.Start</c>..<c>b.End</c> lies inside it.</remarks>
    public static long Cold(MadviseBehavior b)
    {
        if (!CanMadvLru(b.Vma!))
        {
            return -Errno.EINVAL;
        }

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
                using (table.Ptl.EnterScope())
                {
                    for (; addr < stop && count < BatchSize; addr += PageSize.PAGE_SIZE)
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
                            kernel.Lru.Update(pfn, 0, PageFlags.Active | PageFlags.Referenced);
                        }
                    }
                }

                if (count > 0)
                {
                    Vmscan.ReclaimPages(kernel, isolated[..count]);
                }
            }
        }
        finally
        {
            TlbGather.Return(gather);
        }

        return 0;
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
