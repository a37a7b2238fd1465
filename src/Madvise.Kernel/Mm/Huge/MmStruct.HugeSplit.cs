using Madvise.Abi;
using Madvise.Kernel.Mm.Huge;
using Madvise.Kernel.Mm.PageTables;
using Madvise.Kernel.Mm.Physical;
using Madvise.Kernel.Mm.Tlb;
using Madvise.Kernel.Mm.Vmas;

namespace Madvise.Kernel.Mm;

// Linux: mm/huge_memory.c __split_huge_pmd_locked(), __split_huge_zero_page_pmd(),
// split_huge_pmd_address(), vma_adjust_trans_huge(), zap_huge_pmd().
public sealed partial class MmStruct
{
    /// <summary>
    /// __split_huge_pmd_locked(): replaces the huge entry of <paramref name="table"/> (the 2 MiB at
    /// <paramref name="haddr"/>) so that an operation can act on part of it. Anonymous memory gets
    /// 512 PTEs to the same frames with the entry's bits (a dirty entry also dirties the frames,
    /// folio_set_dirty()); the huge zero page gets 512 PTEs of the 4 KiB zero page; a file or shmem
    /// folio is simply unmapped from this VMA (the page cache keeps it; the next fault maps it again).
    /// </summary>
    /// <remarks>Precondition: the table's lock is held and <paramref name="vma"/> contains the block.
    /// Anonymous frames keep their translations (same frames, same rights), so no TLB flush is
    /// needed; the other two cases flush the block under the lock (PTE lock → TLB lock, as a
    /// copy-on-write break does).</remarks>
    internal void SplitHugePmdLocked(Vma vma, PteTable table, ulong haddr) =>
        SplitHugePmdLocked(table, haddr, (vma.Flags & VmFlags.VM_LOCKED) != 0);

    /// <summary>
    /// As <see cref="SplitHugePmdLocked(Vma, PteTable, ulong)"/>, for a caller that knows only
    /// whether the VMA is VM_LOCKED (reverse-map walks). A huge entry in an anonymous VMA maps
    /// anonymous frames or the huge zero page, one in a file VMA page-cache frames, so the entry
    /// itself tells which split it needs.
    /// </summary>
    internal void SplitHugePmdLocked(PteTable table, ulong haddr, bool vmaLocked)
    {
        var pmd = table.GetHuge();
        if (!pmd.IsPresent)
        {
            return;
        }

        Kernel.Stats.RecordThpSplitPmd();
        var memory = Kernel.Memory;
        table.SetHuge(Pmd.None);
        if (!pmd.IsHugeZero && (memory.Frame(pmd.Pfn).Flags & (int)PageFlags.Anon) == 0)
        {
            AddRssHuge(pmd, -1);
            FlushHugeRange(haddr);
            var locked = vmaLocked;
            for (var i = 0; i < HugePage.Pages; i++)
            {
                ref var frame = ref memory.Frame(pmd.Pfn + i);
                if (pmd.Dirty)
                {
                    Interlocked.Or(ref frame.Flags, (int)PageFlags.Dirty);
                }

                if (pmd.Young)
                {
                    Interlocked.Or(ref frame.Flags, (int)PageFlags.Referenced);
                }

                Interlocked.Decrement(ref frame.MapCount);
                if (locked)
                {
                    Kernel.Lru.Munlock(pmd.Pfn + i);
                }
            }

            // The page cache still holds every frame: none is freed here.
            PutHugeReferences(pmd.Pfn);
            return;
        }

        if (pmd.IsHugeZero)
        {
            AddRssHuge(pmd, -1);
            for (var i = 0; i < HugePage.Pages; i++)
            {
                table.Set(i, Pte.Make(PhysicalMemory.ZeroPfn, writable: false, dirty: false, young: true));
            }

            AddRss(PhysicalMemory.ZeroPfn, HugePage.Pages);
            FlushHugeRange(haddr);
            return;
        }

        // pmdp_invalidate(): the huge entry is gone from every TLB before the PTEs take over.
        FlushHugeRange(haddr);
        for (var i = 0; i < HugePage.Pages; i++)
        {
            if (pmd.Dirty)
            {
                Interlocked.Or(ref memory.Frame(pmd.Pfn + i).Flags, (int)PageFlags.Dirty);
            }

            table.Set(i, Pte.Make(pmd.Pfn + i, pmd.Writable, pmd.Dirty, pmd.Young));
        }
    }

    /// <summary>
    /// split_huge_pmd_address(): splits the huge entry covering <paramref name="addr"/>, if there
    /// is one. Precondition: the mmap_lock (or the VMA's lock) is held; no page-table lock.
    /// </summary>
    internal void SplitHugePmd(Vma vma, ulong addr)
    {
        var table = PageTable.Lookup(addr);
        if (table is null || table.PeekHuge().IsNone)
        {
            return;
        }

        using (table.Ptl.EnterScope())
        {
            SplitHugePmdLocked(vma, table, HugePage.Align(addr));
        }
    }

    /// <summary>
    /// split_huge_pmd_if_needed() (vma_adjust_trans_huge()): a VMA boundary is about to be put at
    /// <paramref name="addr"/>, inside <paramref name="vma"/>'s 2 MiB block there: a huge entry
    /// never spans two VMAs, so the one covering that block is split. Nothing to do on a 2 MiB
    /// boundary. Precondition: the mmap write lock is held.
    /// </summary>
    internal void VmaAdjustTransHuge(Vma vma, ulong addr)
    {
        var haddr = HugePage.Align(addr);
        if (addr != haddr && haddr >= vma.Start && haddr + HugePage.Size <= vma.End)
        {
            SplitHugePmd(vma, addr);
        }
    }

    /// <summary>
    /// zap_huge_pmd(): removes a huge entry that a zap covers whole, with its deposited page table
    /// (the PMD is empty afterwards: the next fault may be huge again). The frames' references go
    /// to <paramref name="gather"/>, to be dropped after the TLB flush.
    /// </summary>
    /// <remarks>Precondition: the table's lock is held and the entry is present.</remarks>
    /// <returns>Pages unmapped (512).</returns>
    internal long ZapHugePmdLocked(Vma vma, PteTable table, ulong haddr, TlbGather gather)
    {
        var pmd = table.GetHuge();
        table.SetHuge(Pmd.None);
        gather.AddRange(haddr, HugePage.Size);
        AddRssHuge(pmd, -1);
        if (pmd.IsHugeZero)
        {
            return HugePage.Pages;
        }

        var memory = Kernel.Memory;
        var locked = (vma.Flags & VmFlags.VM_LOCKED) != 0;
        var file = (memory.Frame(pmd.Pfn).Flags & (int)PageFlags.Anon) == 0;
        for (var i = 0; i < HugePage.Pages; i++)
        {
            var pfn = pmd.Pfn + i;
            ref var frame = ref memory.Frame(pfn);
            if (file && pmd.Dirty)
            {
                Interlocked.Or(ref frame.Flags, (int)PageFlags.Dirty);
            }

            if (pmd.Young)
            {
                Interlocked.Or(ref frame.Flags, (int)PageFlags.Referenced);
            }

            Interlocked.Decrement(ref frame.MapCount);
            if (locked)
            {
                Kernel.Lru.Munlock(pfn);
            }

            gather.RemovePage(pfn);
        }

        return HugePage.Pages;
    }
}
