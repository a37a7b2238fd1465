using Madvise.Abi;
using Madvise.Kernel.Fs;
using Madvise.Kernel.Mm.PageTables;
using Madvise.Kernel.Mm.Vmas;

namespace Madvise.Kernel.Mm;

// Linux: mm/memory.c do_fault_around(), mm/filemap.c filemap_map_pages().
public sealed partial class MmStruct
{
    /// <summary>fault_around_bytes (64 KiB, the default) in pages.</summary>
    internal const int FaultAroundPages = 16;

    /// <summary>
    /// do_fault_around(): before a read fault on a file (or shmem) mapping reads the page, maps
    /// every page of the fault-around window that is already cached: the window is
    /// <see cref="FaultAroundPages"/> pages aligned in the virtual address space, clipped to the
    /// VMA, the PTE table and the end of the file; only empty entries are filled (markers and
    /// swap entries stay), read-only and clean, as a read fault would map them.
    /// </summary>
    /// <remarks>
    /// <para>Without a page table (<paramref name="tableExisted"/> false), filemap_map_pages()
    /// installs one only for shmem, or when the first cached page of the window is not the
    /// file's last page (it keeps a fault beyond the end of a file from creating page tables
    /// there); otherwise nothing is mapped here and the fault goes on alone.</para>
    /// <para>Precondition: the mmap_lock (or the VMA lock) is held; no page-table lock. The cached
    /// pages are looked up before the PTE lock is taken, as the page cache lock is never taken
    /// inside a PTE lock.</para>
    /// </remarks>
    /// <returns>True when the faulting page itself was mapped (the fault is done).</returns>
    private bool FaultAround(Vma vma, ulong addr, PteTable table, bool tableExisted)
    {
        // A PMD-sized folio that fits the VMA and the table is mapped whole, not by window.
        var large = MapLargeFolioPtes(vma, addr, table, write: false);
        if (large >= 0)
        {
            return large == 1;
        }

        var inode = vma.File!.Inode;
        var memory = Kernel.Memory;
        var pteOff = (ulong)PageTable.PteIndex(addr);
        var vmaOff = (addr - vma.Start) >> PageSize.PAGE_SHIFT;
        var from = Math.Max(pteOff & ~(ulong)(FaultAroundPages - 1), pteOff - Math.Min(pteOff, vmaOff));
        var to = Math.Min(Math.Min(from + FaultAroundPages, PteTable.EntryCount), pteOff + vma.Pages - vmaOff);
        var tableStart = addr - (pteOff << PageSize.PAGE_SHIFT);

        Span<int> pfns = stackalloc int[FaultAroundPages];
        var found = 0;
        var firstIndex = ulong.MaxValue;
        for (var i = from; i < to; i++)
        {
            var index = vma.PageIndex(tableStart + (i << PageSize.PAGE_SHIFT));
            var pfn = index < inode.PageCount ? Filemap.TryGetCached(Kernel, inode, index) : -1;
            pfns[(int)(i - from)] = pfn;
            if (pfn >= 0)
            {
                found++;
                firstIndex = Math.Min(firstIndex, index);
            }
        }

        if (found == 0)
        {
            return false;
        }

        var mayInstallTable = tableExisted || inode.IsShmem || firstIndex + 1 < inode.PageCount;
        var mappedFaulting = false;
        using (table.Ptl.EnterScope())
        {
            for (var i = from; i < to; i++)
            {
                var pfn = pfns[(int)(i - from)];
                if (pfn < 0)
                {
                    continue;
                }

                var index = (int)i;
                if (!mayInstallTable || !table.EntryFree(index))
                {
                    memory.Put(pfn);
                    continue;
                }

                // The reference from TryGetCached becomes the PTE's.
                Interlocked.Increment(ref memory.Frame(pfn).MapCount);
                table.Set(index, Pte.Make(pfn, writable: false, dirty: false, young: true));
                AddRss(pfn, 1);
                if ((vma.Flags & VmFlags.VM_LOCKED) != 0)
                {
                    Kernel.Lru.Mlock(pfn);
                }

                mappedFaulting |= i == pteOff;
            }
        }

        return mappedFaulting;
    }
}
