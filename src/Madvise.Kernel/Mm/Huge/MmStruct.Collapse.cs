using Madvise.Abi;
using Madvise.Kernel.Fs;
using Madvise.Kernel.Mm.Huge;
using Madvise.Kernel.Mm.PageTables;
using Madvise.Kernel.Mm.Physical;
using Madvise.Kernel.Mm.Vmas;

namespace Madvise.Kernel.Mm;

// Linux: mm/khugepaged.c — MADV_COLLAPSE's work on one address space: find_pmd_or_thp_or_none(),
// hpage_collapse_scan_pmd(), collapse_huge_page() and its helpers for anonymous memory,
// collapse_pte_mapped_thp() and retract_page_tables() for files.
//
// Locking: the model collapses under the mmap read lock and the block's PTE lock, where Linux
// drops the read lock, allocates, and takes the write lock to replace the page table: here the
// page table object stays and every walker takes its lock before reading either its entries
// or its huge entry (see PteTable), so the lock is enough to exclude them while the entries
// are cleared, the TLBs flushed, the data copied and the huge entry installed.
public sealed partial class MmStruct
{
    /// <summary>
    /// thp_vma_allowable_order(vma, TVA_FORCED_COLLAPSE, PMD_ORDER): not VM_NOHUGEPAGE, not
    /// special or hugetlb, the VMA holds a 2 MiB block suitably placed (checked at its last
    /// block, vm_end - 2 MiB), and: anonymous memory already has an anon_vma; shmem is allowed
    /// whatever shmem_enabled says (the forced path); a regular file needs
    /// CONFIG_READ_ONLY_THP_FOR_FS, which the model's kernel is built without (as the reference host).
    /// </summary>
    internal static bool ThpCollapseAllowed(Vma vma)
    {
        var flags = vma.Flags;
        if ((flags & (VmFlags.VM_NOHUGEPAGE | VmFlags.VM_SPECIAL | VmFlags.VM_HUGETLB)) != 0)
        {
            return false;
        }

        if (vma.End < HugePage.Size || !HugePage.Suitable(vma, vma.End - HugePage.Size))
        {
            return false;
        }

        if (vma.IsAnonymous)
        {
            return vma.AnonVma is not null;
        }

        return vma.File!.Inode.IsShmem;
    }

    /// <summary>find_pmd_or_thp_or_none(): the state of the PMD for the block at <paramref name="haddr"/>.</summary>
    private ScanResult PmdState(ulong haddr, out PteTable? table)
    {
        table = null;
        if (!PageTable.HasPmdLevel(haddr))
        {
            return ScanResult.PmdNull;
        }

        table = PageTable.Lookup(haddr);
        if (table is null)
        {
            return ScanResult.PmdNone;
        }

        using (table.Ptl.EnterScope())
        {
            return table.Huge != 0 ? ScanResult.PmdMapped : table.Populated ? ScanResult.Succeed : ScanResult.PmdNone;
        }
    }

    /// <summary>
    /// hpage_collapse_scan_pmd() + collapse_huge_page() for the anonymous block at
    /// <paramref name="haddr"/>: a block already mapped by a huge entry (a huge page or the huge
    /// zero page) is done; one without a page table fails (PMD_NONE); otherwise every empty or
    /// zero-page entry is fine (max_ptes_none limits only khugepaged), swap entries are faulted
    /// in (a guard or poison marker cannot be: SCAN_FAIL), and the present pages are copied
    /// into a new huge page, the rest zero-filled, mapped dirty by one huge entry. Pages others
    /// share stay theirs; lazy-free pages lose their laziness (the copy is an ordinary page).
    /// </summary>
    /// <remarks>Precondition: the mmap_lock is held for reading; <paramref name="vma"/> holds the block.</remarks>
    internal ScanResult CollapseAnonBlock(Vma vma, ulong haddr)
    {
        var state = PmdState(haddr, out var table);
        if (state != ScanResult.Succeed)
        {
            return state;
        }

        bool unmapped;
        using (table!.Ptl.EnterScope())
        {
            var scan = ScanAnonBlockLocked(table, out unmapped);
            if (scan != ScanResult.Succeed)
            {
                return scan;
            }
        }

        var memory = Kernel.Memory;
        var pfn = memory.AllocateHuge(zero: false);
        if (pfn < 0)
        {
            return ScanResult.AllocHugePageFail;
        }

        // __collapse_huge_page_swapin(): every non-present entry is faulted in as do_swap_page() would.
        for (var i = 0; unmapped && i < HugePage.Pages; i++)
        {
            var addr = haddr + ((ulong)i << PageSize.PAGE_SHIFT);
            if (PageTable.ReadPte(addr).IsSoftware && HandleFault(vma, addr, write: false) != FaultResult.Ok)
            {
                PutHugeReferences(pfn);
                return ScanResult.Fail;
            }
        }

        Span<int> old = stackalloc int[HugePage.Pages];
        var nold = 0;
        using (table.Ptl.EnterScope())
        {
            // check_pmd_still_valid(), then __collapse_huge_page_isolate().
            var result = table.Huge != 0 ? ScanResult.PmdMapped : !table.Populated ? ScanResult.PmdNone : ScanAnonBlockLocked(table, out unmapped);
            if (result == ScanResult.Succeed && unmapped)
            {
                result = ScanResult.PteNonPresent;
            }

            if (result != ScanResult.Succeed)
            {
                PutHugeReferences(pfn);
                return result;
            }

            nold = CollapseCopyLocked(vma, table, haddr, pfn, old);
        }

        memory.PutBatch(old[..nold]);
        Kernel.Stats.RecordThpCollapseAlloc();
        return ScanResult.Succeed;
    }

    /// <summary>
    /// The per-entry checks of hpage_collapse_scan_pmd() and __collapse_huge_page_isolate() for
    /// MADV_COLLAPSE: a present page must be a normal anonymous page on the LRU with no
    /// references beyond its mappings (and the swap cache); <paramref name="unmapped"/> tells
    /// whether swap entries or markers are there. Precondition: the table's lock is held.
    /// </summary>
    private ScanResult ScanAnonBlockLocked(PteTable table, out bool unmapped)
    {
        unmapped = false;
        var memory = Kernel.Memory;
        for (var i = 0; i < PteTable.EntryCount; i++)
        {
            var pte = table.Get(i);
            if (pte.IsSoftware)
            {
                unmapped = true;
                continue;
            }

            if (pte.IsNone || pte.Pfn == PhysicalMemory.ZeroPfn)
            {
                continue;
            }

            ref var frame = ref memory.Frame(pte.Pfn);
            var flags = (PageFlags)Volatile.Read(ref frame.Flags);
            if ((flags & PageFlags.Anon) == 0)
            {
                return ScanResult.PageAnon;
            }

            if ((flags & PageFlags.Lru) == 0)
            {
                return ScanResult.PageLru;
            }

            // folio_expected_ref_count(): one per mapping, one for the swap cache.
            var expected = Volatile.Read(ref frame.MapCount) + ((flags & PageFlags.SwapCache) != 0 ? 1 : 0);
            if (Volatile.Read(ref frame.RefCount) != expected)
            {
                return ScanResult.PageCount;
            }
        }

        return ScanResult.Succeed;
    }

    /// <summary>
    /// __collapse_huge_page_copy() and the install of collapse_huge_page(): clears the block's
    /// entries (collecting the old frames' references into <paramref name="old"/>, to be dropped
    /// by the caller once the lock is released), flushes the block's translations so nothing
    /// writes the old frames any more, copies them into the huge page at <paramref name="pfn"/>
    /// (zero-filling empty and zero-page entries) and maps it by one huge entry.
    /// </summary>
    /// <returns>The number of frames in <paramref name="old"/>.</returns>
    /// <remarks>Precondition: the table's lock is held and the block passed the scan (no software entries).</remarks>
    private int CollapseCopyLocked(Vma vma, PteTable table, ulong haddr, int pfn, Span<int> old)
    {
        var memory = Kernel.Memory;
        var locked = (vma.Flags & VmFlags.VM_LOCKED) != 0;
        Span<int> source = stackalloc int[HugePage.Pages];
        var nold = 0;
        for (var i = 0; i < HugePage.Pages; i++)
        {
            var pte = table.Get(i);
            source[i] = -1;
            if (!pte.IsPresent)
            {
                continue;
            }

            table.Set(i, Pte.None);
            AddRss(pte.Pfn, -1);
            if (pte.Pfn == PhysicalMemory.ZeroPfn)
            {
                continue;
            }

            Interlocked.Decrement(ref memory.Frame(pte.Pfn).MapCount);
            if (locked)
            {
                Kernel.Lru.Munlock(pte.Pfn);
            }

            source[i] = pte.Pfn;
            old[nold++] = pte.Pfn;
        }

        FlushHugeRange(haddr);
        var flags = (int)(PageFlags.Anon | PageFlags.SwapBacked | PageFlags.AnonLarge | (locked ? PageFlags.Mlocked : 0));
        var vpn = haddr >> PageSize.PAGE_SHIFT;
        for (var i = 0; i < HugePage.Pages; i++)
        {
            memory.CopyOrClear(source[i], pfn + i);

            ref var f = ref memory.Frame(pfn + i);
            f.Flags = flags;
            f.MlockCount = locked ? 1 : 0;
            f.Mapping = vma.AnonVma;
            f.Index = vpn + (ulong)i;
            f.MapCount = 1;
        }

        Kernel.Lru.AddRange(pfn, HugePage.Pages);
        var entry = Pmd.Make(pfn, writable: (vma.Flags & VmFlags.VM_WRITE) != 0, dirty: true, young: true);
        table.SetHuge(entry);
        AddRssHuge(entry, 1);
        return nold;
    }

    /// <summary>
    /// collapse_pte_mapped_thp(install_pmd): once the page cache holds a PMD-sized folio for the
    /// block at <paramref name="haddr"/>, maps it into <paramref name="vma"/> by one huge entry.
    /// PTEs that map the folio's pages go first; any that maps something else (a private
    /// copy-on-write page) aborts (SCAN_FAIL), a non-present one too.
    /// </summary>
    /// <remarks>Precondition: the mmap_lock is held.</remarks>
    internal ScanResult CollapsePteMappedThp(Vma vma, ulong haddr)
    {
        if (vma.File is null || haddr < vma.Start || haddr + HugePage.Size > vma.End)
        {
            return ScanResult.VmaCheck;
        }

        var state = PmdState(haddr, out var table);
        if (state == ScanResult.PmdMapped)
        {
            return state;
        }

        if (!ThpCollapseAllowed(vma))
        {
            return ScanResult.VmaCheck;
        }

        var cache = vma.File.Inode.Cache;
        int head;
        lock (cache.Lock)
        {
            if (!cache.TryGetLocked(vma.PageIndex(haddr), out head))
            {
                return ScanResult.PageNull;
            }

            if (!Kernel.Memory.Frame(head).Has(PageFlags.LargeHead))
            {
                return ScanResult.PageCompound;
            }
        }

        if (state == ScanResult.Succeed)
        {
            var result = UnmapFolioPtes(vma, table!, haddr, head);
            if (result != ScanResult.Succeed)
            {
                return result;
            }
        }

        table ??= PageTable.LookupOrCreate(haddr);
        return DoSetPmd(vma, haddr, table, write: false) == FaultResult.Ok ? ScanResult.Succeed : ScanResult.Fail;
    }

    /// <summary>
    /// The PTE part of collapse_pte_mapped_thp(): every present entry must map the folio's own
    /// page; they are cleared and the table freed (the PMD is empty afterwards).
    /// </summary>
    private ScanResult UnmapFolioPtes(Vma vma, PteTable table, ulong haddr, int head)
    {
        var memory = Kernel.Memory;
        Span<int> dropped = stackalloc int[HugePage.Pages];
        var n = 0;
        using (table.Ptl.EnterScope())
        {
            if (table.Huge != 0)
            {
                return ScanResult.Fail;
            }

            for (var i = 0; i < PteTable.EntryCount; i++)
            {
                var pte = table.Get(i);
                if (pte.IsNone)
                {
                    continue;
                }

                if (!pte.IsPresent)
                {
                    return ScanResult.PteNonPresent;
                }

                if (pte.Pfn != head + i)
                {
                    return ScanResult.Fail;
                }
            }

            var locked = (vma.Flags & VmFlags.VM_LOCKED) != 0;
            for (var i = 0; i < PteTable.EntryCount; i++)
            {
                var pte = table.Get(i);
                if (!pte.IsPresent)
                {
                    continue;
                }

                table.Set(i, Pte.None);
                AddRss(pte.Pfn, -1);
                ref var frame = ref memory.Frame(pte.Pfn);
                if (pte.Dirty)
                {
                    Interlocked.Or(ref frame.Flags, (int)PageFlags.Dirty);
                }

                Interlocked.Decrement(ref frame.MapCount);
                if (locked)
                {
                    Kernel.Lru.Munlock(pte.Pfn);
                }

                dropped[n++] = pte.Pfn;
            }

            FlushHugeRange(haddr);
            table.Populated = false;
        }

        memory.PutBatch(dropped[..n]);
        return ScanResult.Succeed;
    }

    /// <summary>
    /// retract_page_tables() for this address space: frees the page table of the block at
    /// <paramref name="haddr"/> (a file mapping without an anon_vma), so the next fault may map
    /// the new PMD-sized folio by one huge entry. Skipped when the table maps a page (a racing
    /// fault) or the PMD is not a page table.
    /// </summary>
    internal void RetractPageTable(ulong haddr)
    {
        if (PmdState(haddr, out var table) != ScanResult.Succeed)
        {
            return;
        }

        using (table!.Ptl.EnterScope())
        {
            if (table.Huge != 0 || !table.Populated)
            {
                return;
            }

            for (var i = 0; i < PteTable.EntryCount; i++)
            {
                var pte = table.Get(i);
                if (pte.IsPresent || pte.IsSwap)
                {
                    return;
                }
            }

            // Markers go with the table.
            for (var i = 0; i < PteTable.EntryCount; i++)
            {
                if (!table.Get(i).IsNone)
                {
                    table.Set(i, Pte.None);
                }
            }

            table.Populated = false;
        }
    }

    /// <summary>
    /// MADV_COLLAPSE of the block at <paramref name="haddr"/> of a shmem mapping: the page cache
    /// range becomes one PMD-sized folio (<see cref="CollapseFile"/>), then it is mapped here.
    /// </summary>
    internal ScanResult CollapseFileBlock(Vma vma, ulong haddr)
    {
        var result = CollapseFile.Collapse(Kernel, vma.File!.Inode, vma.PageIndex(haddr));
        return result == ScanResult.PteMappedHugepage ? CollapsePteMappedThp(vma, haddr) : result;
    }
}
