using Madvise.Abi;
using Madvise.Kernel.Mm;
using Madvise.Kernel.Mm.PageTables;
using Madvise.Kernel.Mm.Physical;
using Madvise.Kernel.Mm.Vmas;
using static Madvise.Abi.MemoryAdvice;

namespace Madvise.Kernel.Advice;

/// <summary>MADV_HWPOISON / MADV_SOFT_OFFLINE (Linux: mm/madvise.c madvise_inject_error(), mm/memory-failure.c).</summary>
/// <remarks>
/// Runs without the mmap_lock held by the caller (lock mode None); each page lookup takes the
/// read lock as get_user_pages_fast's slow path does. A poisoned frame is retired: it keeps a
/// reference forever and is never handed out again. SOFT_OFFLINE migrates anonymous pages to a
/// new frame and retires the old one; for other pages it only reports success.
/// </remarks>
internal static class MemoryFailure
{
    /// <remarks>Preconditions: no lock held when the kernel supports memory failure (it takes the mmap read lock per page itself); the mmap_lock held for writing otherwise.</remarks>
    public static long Inject(MadviseBehavior b)
    {
        if (!b.Current.Cred.Has(Capability.CAP_SYS_ADMIN))
        {
            return -Errno.EPERM;
        }

        for (var addr = b.Start; addr < b.End; addr += PageSize.PAGE_SIZE)
        {
            var ret = b.Behavior == MADV_SOFT_OFFLINE ? SoftOffline(b.Mm, addr) : Poison(b.Mm, addr);
            if (ret != 0)
            {
                return ret;
            }
        }

        return 0;
    }

    /// <summary>get_user_pages_fast(addr, 1, read): the frame mapped at addr, faulted in if needed.</summary>
    private static long LookupPage(MmStruct mm, ulong addr, out Vma? vma)
    {
        vma = mm.Vmas.FindContaining(addr);
        if (vma is null || !Populate.CheckVmaFlags(vma, write: false))
        {
            return -Errno.EFAULT;
        }

        var page = addr & PageSize.PAGE_MASK;
        var got = mm.GetUserPages(vma, page, page + PageSize.PAGE_SIZE, write: false);
        return got < 0 ? got : 0;
    }

    private static long Poison(MmStruct mm, ulong addr)
    {
        var token = mm.ReadLock();
        try
        {
            var err = LookupPage(mm, addr, out _);
            if (err != 0)
            {
                return err;
            }

            var pte = mm.PageTable.ReadPte(addr & PageSize.PAGE_MASK);
            if (!pte.IsPresent || pte.Pfn == PhysicalMemory.ZeroPfn)
            {
                // The shared zero page is a kernel page: memory_failure() refuses it (-EBUSY).
                return pte.IsPresent ? -Errno.EBUSY : 0;
            }

            var kernel = mm.Kernel;
            var pfn = pte.Pfn;
            ref var frame = ref kernel.Memory.Frame(pfn);
            if ((Interlocked.Or(ref frame.Flags, (int)PageFlags.HwPoison) & (int)PageFlags.HwPoison) != 0)
            {
                return -Errno.EHWPOISON;
            }

            // Retire the frame: one reference that is never dropped, then unmap it everywhere,
            // leaving poison markers so later accesses fault.
            kernel.Memory.Get(pfn);
            kernel.LruBatches.DrainAll(); // shake_folio()
            ReplaceMappings(kernel, pfn, Pte.PoisonMarker);
            kernel.Lru.Remove(pfn);
            return 0;
        }
        finally
        {
            mm.ReadUnlock(token);
        }
    }

    private static long SoftOffline(MmStruct mm, ulong addr)
    {
        var token = mm.ReadLock();
        try
        {
            var err = LookupPage(mm, addr, out var vma);
            if (err != 0)
            {
                return err;
            }

            mm.MigrateAnonPage(vma!, addr & PageSize.PAGE_MASK);
            return 0;
        }
        finally
        {
            mm.ReadUnlock(token);
        }
    }

    /// <summary>Replaces every PTE that maps <paramref name="pfn"/> with <paramref name="marker"/>.</summary>
    private static void ReplaceMappings(SimulatedKernel kernel, int pfn, Pte marker)
    {
        ref var frame = ref kernel.Memory.Frame(pfn);
        if (frame.Mapping is AnonVma anon)
        {
            var addr = frame.Index << PageSize.PAGE_SHIFT;
            foreach (var mm in anon.Family)
            {
                mm.ReplacePte(addr, pfn, marker);
            }
        }
        else if (frame.Mapping is Fs.PageCache cache)
        {
            foreach (var vma in cache.Inode.MappingsSnapshot())
            {
                if (frame.Index >= vma.PgOff && frame.Index < vma.PgOff + vma.Pages)
                {
                    vma.Mm.ReplacePte(vma.Start + ((frame.Index - vma.PgOff) << PageSize.PAGE_SHIFT), pfn, marker);
                }
            }
        }
    }
}
