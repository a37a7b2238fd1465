using Madvise.Abi;
using Madvise.Kernel.Mm.Huge;
using Madvise.Kernel.Mm.PageTables;
using Madvise.Kernel.Mm.Physical;
using Madvise.Kernel.Mm.Tlb;
using Madvise.Kernel.Mm.Vmas;

namespace Madvise.Kernel.Mm;

// Linux: mm/huge_memory.c split_folio() (__folio_split(), unmap_folio(), remap_page() with
// RMP_USE_SHARED_ZEROPAGE) and mm/migrate.c try_to_map_unused_to_zeropage().
public sealed partial class MmStruct
{
    /// <summary>
    /// True when <paramref name="pfn"/> is a frame of an anonymous large folio that another
    /// mapping (another process after fork) shares: some frame of it is mapped twice
    /// (folio_maybe_mapped_shared()).
    /// </summary>
    internal bool AnonFolioMappedShared(int pfn)
    {
        var memory = Kernel.Memory;
        var head = pfn & ~(HugePage.Pages - 1);
        for (var i = 0; i < HugePage.Pages; i++)
        {
            ref var f = ref memory.Frame(head + i);
            if ((Volatile.Read(ref f.Flags) & (int)PageFlags.AnonLarge) != 0 && Volatile.Read(ref f.MapCount) > 1)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Whether the block at <paramref name="haddr"/> of <paramref name="table"/> maps the whole
    /// anonymous large folio of <paramref name="pfn"/> by its 512 PTEs in order, and [start, end)
    /// covers the block: Linux's "fully mapped within the range" (madvise_folio_pte_batch() as
    /// long as the folio). Precondition: the table's lock is held.
    /// </summary>
    internal static bool FolioFullyMappedInRange(PteTable table, ulong haddr, ulong start, ulong end, int pfn)
    {
        if (start > haddr || end < haddr + HugePage.Size)
        {
            return false;
        }

        var head = pfn & ~(HugePage.Pages - 1);
        for (var i = 0; i < PteTable.EntryCount; i++)
        {
            var pte = table.Get(i);
            if (!pte.IsPresent || pte.Pfn != head + i)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// folio_mark_dirty(): the frame, or every frame of its anonymous large folio (one dirty flag
    /// per folio in Linux).
    /// </summary>
    internal void MarkAnonFolioDirty(int pfn)
    {
        var memory = Kernel.Memory;
        if (!memory.Frame(pfn).Has(PageFlags.AnonLarge))
        {
            Interlocked.Or(ref memory.Frame(pfn).Flags, (int)PageFlags.Dirty);
            return;
        }

        var head = pfn & ~(HugePage.Pages - 1);
        for (var i = 0; i < HugePage.Pages; i++)
        {
            ref var f = ref memory.Frame(head + i);
            if ((Volatile.Read(ref f.Flags) & (int)PageFlags.AnonLarge) != 0)
            {
                Interlocked.Or(ref f.Flags, (int)PageFlags.Dirty);
            }
        }
    }

    /// <summary>
    /// split_folio() of the anonymous large folio that <paramref name="pfn"/> belongs to: every
    /// huge entry mapping it (in this and any forked process) is split, the folio becomes 512
    /// small ones, and each of its pages that holds only zeros and is not mlocked is replaced,
    /// in every mapping of it, by the shared zero page and freed (remap_page() with
    /// RMP_USE_SHARED_ZEROPAGE: Rss drops, mincore still says 1). The other pages stay mapped,
    /// data and flags unchanged.
    /// </summary>
    /// <remarks>
    /// Precondition: the mmap_lock of this address space is held; no page-table lock (the split
    /// takes those of every mapping, through the reverse map, as reclaim does).
    /// </remarks>
    /// <returns>False when the frame is not (any more) part of a large folio: nothing done.</returns>
    internal bool SplitAnonFolio(int pfn)
    {
        var memory = Kernel.Memory;
        ref var frame = ref memory.Frame(pfn);
        if (!frame.Has(PageFlags.AnonLarge) || frame.Mapping is not AnonVma anon)
        {
            return false;
        }

        var head = pfn & ~(HugePage.Pages - 1);
        var haddr = (frame.Index - (ulong)(pfn - head)) << PageSize.PAGE_SHIFT;
        var family = anon.Family;

        // unmap_folio(): huge entries become PTEs first, in every process that maps the folio.
        foreach (var mm in family)
        {
            var table = mm.PageTable.Lookup(haddr);
            if (table is null || table.PeekHuge().IsNone)
            {
                continue;
            }

            using (table.Ptl.EnterScope())
            {
                if (table.GetHuge() is { IsPresent: true, IsHugeZero: false } pmd && pmd.Pfn == head)
                {
                    var vma = mm.Vmas.FindContaining(haddr);
                    mm.SplitHugePmdLocked(table, haddr, vma is not null && (vma.Flags & VmFlags.VM_LOCKED) != 0);
                }
            }
        }

        // The folio's frames: those still flagged (a frame freed meanwhile, and any single page
        // allocated from the chunk since, is not part of it).
        Span<ulong> members = stackalloc ulong[HugePage.Pages / 64];
        for (var i = 0; i < HugePage.Pages; i++)
        {
            if ((Interlocked.And(ref memory.Frame(head + i).Flags, ~(int)PageFlags.AnonLarge) & (int)PageFlags.AnonLarge) != 0)
            {
                members[i >> 6] |= 1UL << (i & 63);
            }
        }

        // remap_page(): zero-filled pages go to the shared zero page.
        for (var i = 0; i < HugePage.Pages; i++)
        {
            var sub = head + i;
            ref var f = ref memory.Frame(sub);
            var flags = (PageFlags)Volatile.Read(ref f.Flags);
            if ((members[i >> 6] & (1UL << (i & 63))) == 0 || (flags & (PageFlags.Mlocked | PageFlags.HwPoison)) != 0
                || Volatile.Read(ref f.MapCount) == 0 || memory.Page(sub).IndexOfAnyExcept((byte)0) >= 0)
            {
                continue;
            }

            var addr = haddr + ((ulong)i << PageSize.PAGE_SHIFT);
            foreach (var mm in family)
            {
                mm.MapZeroPageOver(addr, sub);
            }
        }

        return true;
    }

    /// <summary>
    /// try_to_map_unused_to_zeropage(): if the PTE at <paramref name="addr"/> maps
    /// <paramref name="pfn"/> (a zero-filled page) in a VMA that is not VM_LOCKED, maps the
    /// shared zero page there instead and drops the page's mapping and reference.
    /// </summary>
    private void MapZeroPageOver(ulong addr, int pfn)
    {
        var vma = Vmas.FindContaining(addr);
        var table = PageTable.Lookup(addr);
        if (vma is null || (vma.Flags & VmFlags.VM_LOCKED) != 0 || table is null)
        {
            return;
        }

        using (table.Ptl.EnterScope())
        {
            var index = PageTable.PteIndex(addr);
            var pte = table.Get(index);
            if (!pte.IsPresent || pte.Pfn != pfn)
            {
                return;
            }

            table.Set(index, Pte.Make(PhysicalMemory.ZeroPfn, writable: false, dirty: false, young: true));
            AddRss(pfn, -1);
            AddRss(PhysicalMemory.ZeroPfn, 1);
            var vpn = addr >> PageSize.PAGE_SHIFT;
            TlbFlush.FlushRange(this, vpn, vpn + 1);
            Interlocked.Decrement(ref Kernel.Memory.Frame(pfn).MapCount);
        }

        Kernel.Memory.Put(pfn);
    }
}
