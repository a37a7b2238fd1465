using Madvise.Abi;
using Madvise.Kernel.Mm;
using Madvise.Kernel.Mm.PageTables;
using Madvise.Kernel.Mm.Tlb;
using Madvise.Kernel.Mm.Vmas;

namespace Madvise.Kernel.Advice;

/// <summary>MADV_GUARD_INSTALL / MADV_GUARD_REMOVE (Linux: mm/madvise.c madvise_guard_install(), madvise_guard_remove()).</summary>
internal static class Guard
{
    /// <summary>Install attempts before giving up with the restart code (MAX_MADVISE_GUARD_RETRIES).</summary>
    internal const int MaxRetries = 3;

    /// <summary>
    /// Puts a guard marker in every entry of the range. An entry that holds anything else (a page
    /// a racing fault just mapped, a swap entry) makes the pass stop; the range is zapped
    /// (markers survive) and the pass repeated. After <see cref="MaxRetries"/> lost races the
    /// call returns -ERESTARTNOINTR: madvise() restarts itself, process_madvise() unlocks,
    /// relocks and retries the range.
    /// </summary>
    /// <remarks>Preconditions: mmap_lock held for reading; the range lies inside <c>b.Vma</c>.</remarks>
    public static long Install(MadviseBehavior b)
    {
        var vma = b.Vma!;
        if (!IsValidGuardVma(vma, allowLocked: false))
        {
            return -Errno.EINVAL;
        }

        // An anonymous VMA gets its anon_vma now, so that fork copies its page tables (markers
        // included). A file-backed one gets none: VM_MAYBE_GUARD already makes fork copy them,
        // and the reference host (6.18.44) leaves it without (madv-guard-file.scn shows it:
        // the VMA keeps merging with neighbours that have an anon_vma of their own).
        if (vma.IsAnonymous)
        {
            b.Mm.AnonVmaPrepare(vma);
        }

        // VM_MAYBE_GUARD (smaps "gu"): sticky, set on the whole VMA without splitting it.
        vma.MarkGuardInstalled();
        for (var attempt = 0; attempt < MaxRetries; attempt++)
        {
            var pass = InstallPass(b.Mm, b.Start, b.End);
            if (pass <= 0)
            {
                // Done, or -ENOMEM: a page table could not be allocated (walk_page_range_mm()
                // fails with __pte_alloc()'s error; the markers placed so far stay).
                return pass;
            }

            var gather = TlbGather.Rent(b.Mm);
            try
            {
                ZapPageRange.Zap(b.Mm, vma, b.Start, b.End, gather, ZapMode.KeepGuards);
            }
            finally
            {
                TlbGather.Return(gather);
            }

            // A racing fault may populate the range again here: the next pass then has to zap again.
            b.Mm.Kernel.Faults.At(FaultPoint.GuardAfterZap);
        }

        return -Errno.ERESTARTNOINTR;
    }

    /// <summary>Clears the guard markers of the range (pages are not populated). Allowed on locked VMAs.</summary>
    /// <remarks>Preconditions: mmap_lock held for reading; the range lies inside <c>b.Vma</c>.</remarks>
    public static long Remove(MadviseBehavior b)
    {
        if (!IsValidGuardVma(b.Vma!, allowLocked: true))
        {
            return -Errno.EINVAL;
        }

        var mm = b.Mm;
        for (var addr = b.Start; addr < b.End;)
        {
            var stop = PageTable.PmdAddrEnd(addr, b.End);
            var table = mm.PageTable.Lookup(addr);
            if (table is not null)
            {
                using (table.Ptl.EnterScope())
                {
                    // A huge entry cannot hold markers: skipped (guard_remove_pmd_entry()).
                    for (var a = table.Huge != 0 ? stop : addr; a < stop; a += PageSize.PAGE_SIZE)
                    {
                        var index = PageTable.PteIndex(a);
                        if (table.Get(index).IsGuard)
                        {
                            table.Set(index, Pte.None);
                        }
                    }
                }
            }

            addr = table is null ? mm.PageTable.NextTable(stop, b.End) : stop;
        }

        return 0;
    }

    /// <summary>is_valid_guard_vma(): not special, not hugetlb, and (for install) not locked.</summary>
    private static bool IsValidGuardVma(Vma vma, bool allowLocked)
    {
        var disallowed = VmFlags.VM_SPECIAL | VmFlags.VM_HUGETLB;
        if (!allowLocked)
        {
            disallowed |= VmFlags.VM_LOCKED;
        }

        return (vma.Flags & disallowed) == 0;
    }

    /// <summary>
    /// One walk: empty entries get a marker. Returns 0 when every entry holds one, 1 at the first
    /// entry that holds something else (a zap is needed), -ENOMEM when a page table cannot be
    /// allocated.
    /// </summary>
    private static long InstallPass(MmStruct mm, ulong start, ulong end)
    {
        for (var addr = start; addr < end;)
        {
            var stop = PageTable.PmdAddrEnd(addr, end);
            var table = mm.PageTable.LookupOrCreate(addr);
            if (table is null)
            {
                return -Errno.ENOMEM;
            }

            using (table.Ptl.EnterScope())
            {
                // guard_install_pmd_entry(): a huge entry must be zapped (split, for part of it) first.
                if (table.Huge != 0)
                {
                    return 1;
                }

                for (; addr < stop; addr += PageSize.PAGE_SIZE)
                {
                    var index = PageTable.PteIndex(addr);
                    var pte = table.Get(index);
                    if (pte.IsNone)
                    {
                        table.Set(index, Pte.GuardMarker);
                    }
                    else if (!pte.IsGuard)
                    {
                        return 1;
                    }
                }
            }
        }

        return 0;
    }
}
