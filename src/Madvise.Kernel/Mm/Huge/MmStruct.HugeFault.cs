using Madvise.Abi;
using Madvise.Kernel.Fs;
using Madvise.Kernel.Mm.Huge;
using Madvise.Kernel.Mm.PageTables;
using Madvise.Kernel.Mm.Physical;
using Madvise.Kernel.Mm.Tlb;
using Madvise.Kernel.Mm.Vmas;

namespace Madvise.Kernel.Mm;

// Linux: mm/memory.c __handle_mm_fault() (the PMD level), create_huge_pmd(), wp_huge_pmd(),
// do_set_pmd(); mm/huge_memory.c do_huge_pmd_anonymous_page(), do_huge_pmd_wp_page(),
// do_huge_zero_wp_pmd(), huge_pmd_set_accessed().
public sealed partial class MmStruct
{
    /// <summary>Huge entries mapping the huge zero page (not part of RSS). Atomic.</summary>
    private long _hugeZeroMaps;

    /// <summary>
    /// thp_vma_allowable_order(vma, TVA_PAGEFAULT, PMD_ORDER) for an anonymous VMA: the sysfs mode
    /// allows it (always; or madvise and the VMA has VM_HUGEPAGE) and the VMA does not refuse it
    /// (VM_NOHUGEPAGE). Size and alignment are the fault's own check (<see cref="HugePage.Suitable"/>).
    /// </summary>
    internal bool HugeFaultAllowed(Vma vma)
    {
        var flags = vma.Flags;
        if ((flags & VmFlags.VM_NOHUGEPAGE) != 0)
        {
            return false;
        }

        return Kernel.Config.Thp switch
        {
            TransparentHugepageMode.Always => true,
            TransparentHugepageMode.Madvise => (flags & VmFlags.VM_HUGEPAGE) != 0,
            _ => false,
        };
    }

    /// <summary>Adjusts the RSS counters for a huge entry mapped (<paramref name="sign"/> 1) or unmapped (-1).</summary>
    internal void AddRssHuge(Pmd pmd, int sign)
    {
        if (pmd.IsHugeZero)
        {
            Interlocked.Add(ref _hugeZeroMaps, sign);
            return;
        }

        AddRss(pmd.Pfn, sign * HugePage.Pages);
    }

    /// <summary>
    /// The PMD level of a fault (__handle_mm_fault()): an empty PMD in a VMA that allows it gets a
    /// huge entry (anonymous memory: create_huge_pmd(); a PMD-sized page-cache folio: do_set_pmd()
    /// is reached from the file fault); a huge entry is written through (wp_huge_pmd()) or only
    /// aged (huge_pmd_set_accessed()).
    /// </summary>
    /// <returns><see cref="FaultResult.Fallback"/> when the fault goes on at the PTE level (no huge
    /// entry, or the huge entry was split), <see cref="FaultResult.Retry"/> when the PMD changed
    /// under us, else the fault's result.</returns>
    /// <remarks>Precondition: as <see cref="HandleFault"/>; no page-table lock.</remarks>
    private FaultResult HandlePmdFault(Vma vma, ulong addr, PteTable table, bool write, bool unshare)
    {
        var pmd = table.PeekHuge();
        if (pmd.IsNone)
        {
            if (vma.IsAnonymous && !Volatile.Read(ref table.Populated) && HugeFaultAllowed(vma))
            {
                return DoHugePmdAnonymousPage(vma, addr, table, write);
            }

            return FaultResult.Fallback;
        }

        if ((write || unshare) && !pmd.Writable)
        {
            if (vma.IsAnonymous)
            {
                return DoHugePmdWpPage(vma, addr, table, pmd, unshare);
            }

            // wp_huge_pmd(): shmem has no huge_fault handler: split (for a file: unmap the 2 MiB)
            // and let the PTE level handle the write (a copy-on-write copy, or a new mapping).
            using (table.Ptl.EnterScope())
            {
                if (table.GetHuge() != pmd)
                {
                    return FaultResult.Retry;
                }

                SplitHugePmdLocked(vma, table, HugePage.Align(addr));
            }

            return FaultResult.Fallback;
        }

        // huge_pmd_set_accessed() -> touch_pmd(): the hardware would set the accessed (and dirty) bit.
        using (table.Ptl.EnterScope())
        {
            if (table.GetHuge() != pmd)
            {
                return FaultResult.Retry;
            }

            TouchHugeLocked(table, pmd, write);
        }

        return FaultResult.Ok;
    }

    /// <summary>Sets the accessed (and for a store the dirty) bit of a huge entry. Precondition: the PTE table's lock is held.</summary>
    private void TouchHugeLocked(PteTable table, Pmd pmd, bool write)
    {
        var aged = pmd.WithYoung(true);
        if (write && !pmd.Dirty)
        {
            aged = aged.WithDirty(true);
            if (!pmd.IsHugeZero && (Kernel.Memory.Frame(pmd.Pfn).Flags & (int)PageFlags.Anon) == 0)
            {
                // A page-cache folio written through its huge entry is dirty (folio_mark_dirty).
                for (var i = 0; i < HugePage.Pages; i++)
                {
                    Interlocked.Or(ref Kernel.Memory.Frame(pmd.Pfn + i).Flags, (int)PageFlags.Dirty);
                }
            }
        }

        if (aged != pmd)
        {
            table.SetHuge(aged);
        }
    }

    /// <summary>
    /// do_huge_pmd_anonymous_page(): when the aligned 2 MiB lies inside the VMA, a read maps the
    /// huge zero page and a write a new zeroed huge page, either by one entry; otherwise, or
    /// without a free 2 MiB block, the fault falls back to 4 KiB pages. The VMA gets its
    /// anon_vma either way (vmf_anon_prepare(), even for the zero page, unlike a 4 KiB read).
    /// </summary>
    private FaultResult DoHugePmdAnonymousPage(Vma vma, ulong addr, PteTable table, bool write)
    {
        var haddr = HugePage.Align(addr);
        if (!HugePage.Suitable(vma, haddr))
        {
            return FaultResult.Fallback;
        }

        var anonVma = AnonVmaPrepare(vma);
        var memory = Kernel.Memory;
        if (!write)
        {
            var zero = memory.HugeZeroPage();
            if (zero < 0)
            {
                Kernel.Stats.RecordThpFaultFallback();
                return FaultResult.Fallback;
            }

            using (table.Ptl.EnterScope())
            {
                if (!table.IsPmdNone)
                {
                    return FaultResult.Retry;
                }

                var entry = Pmd.MakeHugeZero(zero);
                table.SetHuge(entry);
                AddRssHuge(entry, 1);
                return FaultResult.Ok;
            }
        }

        var pfn = NewAnonHugePage(anonVma, haddr, mlocked: (vma.Flags & VmFlags.VM_LOCKED) != 0);
        if (pfn < 0)
        {
            Kernel.Stats.RecordThpFaultFallback();
            return FaultResult.Fallback;
        }

        using (table.Ptl.EnterScope())
        {
            if (!table.IsPmdNone)
            {
                DiscardNewHugePage(pfn);
                return FaultResult.Retry;
            }

            MapNewAnonHugePageLocked(vma, table, pfn);
        }

        Kernel.Stats.RecordThpFaultAlloc();
        return FaultResult.Ok;
    }

    /// <summary>
    /// vma_alloc_anon_folio_pmd(): a zeroed huge page for the block at <paramref name="haddr"/>,
    /// its 512 frames anonymous and on the LRU while the caller holds their only references (as
    /// <see cref="NewAnonFrame"/>); -1 when no 2 MiB block is free.
    /// </summary>
    private int NewAnonHugePage(AnonVma anonVma, ulong haddr, bool mlocked)
    {
        var memory = Kernel.Memory;
        var pfn = memory.AllocateHuge(zero: true);
        if (pfn < 0)
        {
            return -1;
        }

        var flags = (int)(PageFlags.Anon | PageFlags.SwapBacked | PageFlags.AnonLarge | (mlocked ? PageFlags.Mlocked : 0));
        var vpn = haddr >> PageSize.PAGE_SHIFT;
        for (var i = 0; i < HugePage.Pages; i++)
        {
            ref var f = ref memory.Frame(pfn + i);
            f.Flags = flags;
            f.MlockCount = mlocked ? 1 : 0;
            f.Mapping = anonVma;
            f.Index = vpn + (ulong)i;
        }

        Kernel.Lru.AddRange(pfn, HugePage.Pages);
        return pfn;
    }

    /// <summary>Frees a huge page from <see cref="NewAnonHugePage"/> that lost a race before being mapped.</summary>
    private void DiscardNewHugePage(int pfn)
    {
        Span<int> frames = stackalloc int[HugePage.Pages];
        for (var i = 0; i < frames.Length; i++)
        {
            frames[i] = pfn + i;
        }

        Kernel.Memory.PutBatch(frames);
    }

    /// <summary>
    /// map_anon_folio_pmd(): maps a new anonymous huge page dirty (and writable if the VMA is) by
    /// the huge entry of <paramref name="table"/>. Precondition: its lock is held and the PMD may be replaced.
    /// </summary>
    private void MapNewAnonHugePageLocked(Vma vma, PteTable table, int pfn)
    {
        for (var i = 0; i < HugePage.Pages; i++)
        {
            Kernel.Memory.Frame(pfn + i).MapCount = 1;
        }

        var entry = Pmd.Make(pfn, writable: (vma.Flags & VmFlags.VM_WRITE) != 0, dirty: true, young: true);
        table.SetHuge(entry);
        AddRssHuge(entry, 1);
    }

    /// <summary>
    /// True when no other mapping or reference shares the huge page at <paramref name="pfn"/>: each
    /// of its frames is mapped once and referenced once (the model's reading of Linux's
    /// PageAnonExclusive / folio_ref_count() == 1 for a PMD-mapped folio).
    /// </summary>
    private bool HugePageExclusive(int pfn)
    {
        var memory = Kernel.Memory;
        for (var i = 0; i < HugePage.Pages; i++)
        {
            ref var f = ref memory.Frame(pfn + i);
            if (Volatile.Read(ref f.MapCount) != 1 || Volatile.Read(ref f.RefCount) != 1)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// folio_maybe_mapped_shared() for the huge page at <paramref name="pfn"/>: some other mapping
    /// (another process after fork) maps at least one of its frames.
    /// </summary>
    internal bool HugePageMappedShared(int pfn)
    {
        var memory = Kernel.Memory;
        for (var i = 0; i < HugePage.Pages; i++)
        {
            if (Volatile.Read(ref memory.Frame(pfn + i).MapCount) > 1)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when a pinning read must unshare the anonymous huge page an entry maps (gup_must_unshare()): another mapping or reference shares it.</summary>
    private bool MustUnshareHuge(Pmd pmd) =>
        (Volatile.Read(ref Kernel.Memory.Frame(pmd.Pfn).Flags) & (int)PageFlags.Anon) != 0 && !HugePageExclusive(pmd.Pfn);

    /// <summary>
    /// do_huge_pmd_wp_page(): a write to a write-protected anonymous huge entry (or, with
    /// <paramref name="unshare"/>, a read-only pin that must not share the page). The huge zero
    /// page is replaced by a new huge page (do_huge_zero_wp_pmd(), whatever the VMA's flags say);
    /// a page nobody else uses is reused in place; any other is split, and the PTE level copies
    /// the one page written.
    /// </summary>
    private FaultResult DoHugePmdWpPage(Vma vma, ulong addr, PteTable table, Pmd seen, bool unshare)
    {
        var haddr = HugePage.Align(addr);
        if (seen.IsHugeZero)
        {
            var result = DoHugeZeroWpPmd(vma, haddr, table, seen);
            if (result != FaultResult.Fallback)
            {
                return result;
            }
        }

        using (table.Ptl.EnterScope())
        {
            if (table.GetHuge() != seen)
            {
                return FaultResult.Retry;
            }

            if (!seen.IsHugeZero && HugePageExclusive(seen.Pfn))
            {
                // Exclusive from now on, also for the small pages a later split leaves.
                for (var i = 0; i < HugePage.Pages; i++)
                {
                    Interlocked.And(ref Kernel.Memory.Frame(seen.Pfn + i).Flags, ~(int)PageFlags.AnonShared);
                }

                if (!unshare)
                {
                    var entry = seen.WithYoung(true).WithDirty(true).WithWritable((vma.Flags & VmFlags.VM_WRITE) != 0);
                    table.SetHuge(entry);
                }

                return FaultResult.Ok;
            }

            SplitHugePmdLocked(vma, table, haddr);
        }

        return FaultResult.Fallback;
    }

    /// <summary>do_huge_zero_wp_pmd(): a new zeroed huge page replaces the huge zero page; Fallback without a free 2 MiB block.</summary>
    private FaultResult DoHugeZeroWpPmd(Vma vma, ulong haddr, PteTable table, Pmd seen)
    {
        var pfn = NewAnonHugePage(AnonVmaPrepare(vma), haddr, mlocked: (vma.Flags & VmFlags.VM_LOCKED) != 0);
        if (pfn < 0)
        {
            Kernel.Stats.RecordThpFaultFallback();
            return FaultResult.Fallback;
        }

        using (table.Ptl.EnterScope())
        {
            if (table.GetHuge() != seen)
            {
                DiscardNewHugePage(pfn);
                return FaultResult.Retry;
            }

            // pmdp_huge_clear_flush(): no CPU may keep reading the zero page through this block.
            table.SetHuge(Pmd.None);
            AddRssHuge(seen, -1);
            FlushHugeRange(haddr);
            MapNewAnonHugePageLocked(vma, table, pfn);
        }

        Kernel.Stats.RecordThpFaultAlloc();
        return FaultResult.Ok;
    }

    /// <summary>Flushes the translations of the 2 MiB at <paramref name="haddr"/> from every CPU (flush_pmd_tlb_range()); may run under that block's PTE lock.</summary>
    private void FlushHugeRange(ulong haddr)
    {
        var vpn = haddr >> PageSize.PAGE_SHIFT;
        TlbFlush.FlushRange(this, vpn, vpn + HugePage.Pages);
    }

    /// <summary>
    /// do_set_pmd(): maps a PMD-sized page-cache folio by one huge entry when the PMD is empty,
    /// the VMA does not refuse huge pages (VM_NOHUGEPAGE; the sysfs mode is not asked: the folio
    /// exists already) and the block is suitably placed in the VMA and the file. Writable for a
    /// write, or for a shared writable mapping (shmem needs no write notification); dirty for a write.
    /// </summary>
    /// <returns>Ok when mapped, Retry when the PMD changed, Fallback when the PTE level must do it.</returns>
    private FaultResult DoSetPmd(Vma vma, ulong addr, PteTable table, bool write)
    {
        var haddr = HugePage.Align(addr);
        if ((vma.Flags & VmFlags.VM_NOHUGEPAGE) != 0 || !HugePage.Suitable(vma, haddr))
        {
            return FaultResult.Fallback;
        }

        var memory = Kernel.Memory;
        var head = Filemap.TryGetLargeFolio(Kernel, vma.File!.Inode, vma.PageIndex(haddr));
        if (head < 0)
        {
            return FaultResult.Fallback;
        }

        using (table.Ptl.EnterScope())
        {
            if (!table.IsPmdNone)
            {
                PutHugeReferences(head);
                return FaultResult.Retry;
            }

            // The references TryGetLargeFolio took become the entry's.
            var locked = (vma.Flags & VmFlags.VM_LOCKED) != 0;
            for (var i = 0; i < HugePage.Pages; i++)
            {
                Interlocked.Increment(ref memory.Frame(head + i).MapCount);
                if (write)
                {
                    Interlocked.Or(ref memory.Frame(head + i).Flags, (int)PageFlags.Dirty);
                }

                if (locked)
                {
                    Kernel.Lru.Mlock(head + i);
                }
            }

            var writable = write || (vma.Flags & (VmFlags.VM_SHARED | VmFlags.VM_WRITE)) == (VmFlags.VM_SHARED | VmFlags.VM_WRITE);
            var entry = Pmd.Make(head, writable, dirty: write, young: true);
            table.SetHuge(entry);
            AddRssHuge(entry, 1);
        }

        return FaultResult.Ok;
    }

    /// <summary>Drops one reference on each frame of the huge page at <paramref name="pfn"/>.</summary>
    private void PutHugeReferences(int pfn)
    {
        Span<int> frames = stackalloc int[HugePage.Pages];
        for (var i = 0; i < frames.Length; i++)
        {
            frames[i] = pfn + i;
        }

        Kernel.Memory.PutBatch(frames);
    }
}
