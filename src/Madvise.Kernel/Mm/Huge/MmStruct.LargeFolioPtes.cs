using Madvise.Abi;
using Madvise.Kernel.Fs;
using Madvise.Kernel.Mm.Huge;
using Madvise.Kernel.Mm.PageTables;
using Madvise.Kernel.Mm.Physical;
using Madvise.Kernel.Mm.Vmas;

namespace Madvise.Kernel.Mm;

// Linux: mm/filemap.c filemap_map_pages() -> filemap_map_folio_range(), and mm/memory.c
// finish_fault(): a PMD-sized page-cache folio mapped by PTEs, all of it at once.
public sealed partial class MmStruct
{
    /// <summary>
    /// When the page at <paramref name="addr"/> belongs to a PMD-sized page-cache folio that lies
    /// wholly inside <paramref name="vma"/> and inside <paramref name="table"/> (the VMA's file
    /// offset is 2 MiB aligned and the block is inside the VMA), maps the folio's pages by PTEs.
    /// <list type="bullet">
    /// <item>A read (fault-around; the reference host maps the entire large folio, not just the
    /// fault-around window, as later kernels do): every page whose entry is empty is mapped
    /// read-only, as fault-around maps; entries that hold anything (a guard marker, a private
    /// copy) are left.</item>
    /// <item>A shared write (finish_fault()): only when every entry of the block is empty, then
    /// all of them writable and dirty; otherwise the caller maps the one page.</item>
    /// </list>
    /// </summary>
    /// <returns>-1 when no such folio is there (the caller goes on as for small pages); else 1
    /// when the faulting page is now mapped, 0 when it is not (its entry held something).</returns>
    /// <remarks>Precondition: the mmap_lock (or VMA lock) is held; no page-table lock.</remarks>
    private int MapLargeFolioPtes(Vma vma, ulong addr, PteTable table, bool write)
    {
        var haddr = HugePage.Align(addr);
        if (!HugePage.Suitable(vma, haddr))
        {
            return -1;
        }

        var head = Filemap.TryGetLargeFolio(Kernel, vma.File!.Inode, vma.PageIndex(haddr));
        if (head < 0)
        {
            return -1;
        }

        var memory = Kernel.Memory;
        var locked = (vma.Flags & VmFlags.VM_LOCKED) != 0;
        var faulting = PageTable.PteIndex(addr);
        var mappedFaulting = -1;

        // One bit per page this fault mapped: those keep their reference, the others give it back.
        Span<ulong> mapped = stackalloc ulong[PteTable.EntryCount / 64];
        using (table.Ptl.EnterScope())
        {
            if (table.Huge != 0)
            {
                mappedFaulting = 0;
            }
            else if (write)
            {
                var allFree = true;
                for (var i = 0; i < PteTable.EntryCount && allFree; i++)
                {
                    allFree = table.EntryFree(i);
                }

                if (allFree)
                {
                    for (var i = 0; i < PteTable.EntryCount; i++)
                    {
                        MapFolioPageLocked(table, i, head + i, write: true, locked);
                        mapped[i >> 6] |= 1UL << (i & 63);
                    }

                    mappedFaulting = 1;
                }
            }
            else
            {
                mappedFaulting = 0;
                for (var i = 0; i < PteTable.EntryCount; i++)
                {
                    if (!table.EntryFree(i))
                    {
                        continue;
                    }

                    MapFolioPageLocked(table, i, head + i, write: false, locked);
                    mapped[i >> 6] |= 1UL << (i & 63);
                    mappedFaulting |= i == faulting ? 1 : 0;
                }
            }
        }

        for (var i = 0; i < PteTable.EntryCount; i++)
        {
            if ((mapped[i >> 6] & (1UL << (i & 63))) == 0)
            {
                memory.Put(head + i);
            }
        }

        return mappedFaulting;
    }

    /// <summary>Maps page-cache frame <paramref name="pfn"/> at entry <paramref name="index"/> (the caller's reference becomes the PTE's). Precondition: the table's lock is held and the entry is free.</summary>
    private void MapFolioPageLocked(PteTable table, int index, int pfn, bool write, bool locked)
    {
        ref var frame = ref Kernel.Memory.Frame(pfn);
        Interlocked.Increment(ref frame.MapCount);
        table.Set(index, Pte.Make(pfn, writable: write, dirty: write, young: true));
        AddRss(pfn, 1);
        if (write)
        {
            Interlocked.Or(ref frame.Flags, (int)PageFlags.Dirty);
        }

        if (locked)
        {
            Kernel.Lru.Mlock(pfn);
        }
    }
}
