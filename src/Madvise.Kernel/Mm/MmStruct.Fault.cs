using Madvise.Abi;
using Madvise.Kernel.Fs;
using Madvise.Kernel.Mm.Locking;
using Madvise.Kernel.Mm.PageTables;
using Madvise.Kernel.Mm.Physical;
using Madvise.Kernel.Mm.Tlb;
using Madvise.Kernel.Mm.Vmas;

namespace Madvise.Kernel.Mm;

// Linux: mm/memory.c handle_pte_fault() and the fault kinds it dispatches to.
public sealed partial class MmStruct
{
    /// <summary>
    /// Resolves a fault at <paramref name="addr"/> in <paramref name="vma"/> so that a read
    /// (or, if <paramref name="write"/>, a write) of the page can proceed. With
    /// <paramref name="unshare"/> (FAULT_FLAG_UNSHARE, a read that pins the page) an anonymous
    /// page that another mapping shares is first copied, as a write would, but mapped read-only.
    /// </summary>
    /// <remarks>
    /// Preconditions: the mmap_lock is held for reading (or writing); vma contains addr; the
    /// access is allowed by vma's flags (access_error() already passed). The entry is first read
    /// without the lock; frames are allocated and copied with no page-table lock held; every
    /// installation re-checks the PTE under the lock and retries if it changed. Guard and poison
    /// markers are answered from the lockless read, as Linux's handle_pte_marker() does.
    /// </remarks>
    internal FaultResult HandleFault(Vma vma, ulong addr, bool write, bool unshare = false)
    {
        Kernel.Stats.RecordFault();
        addr &= PageSize.PAGE_MASK;
        var table = PageTable.LookupOrCreate(addr);
        if (table is null)
        {
            // __pte_alloc() failed: no frame for a page table (VM_FAULT_OOM).
            return FaultResult.Oom;
        }

        // Whether the table held an entry before this fault (fault-around asks); read once, as
        // retries see the entries this fault itself installed. A lockless read: a table that a
        // racing fault populates just now may be taken for absent, as a racing Linux fault
        // could find it not yet allocated.
        var tableExisted = Volatile.Read(ref table.Populated);
        var index = PageTable.PteIndex(addr);
        while (true)
        {
            // The PMD level first: a huge entry, or an empty PMD a huge page may fill.
            var huge = HandlePmdFault(vma, addr, table, write, unshare);
            if (huge == FaultResult.Retry)
            {
                continue;
            }

            if (huge != FaultResult.Fallback)
            {
                return huge;
            }

            // Dispatch on a lockless read of the entry (Linux: vmf->orig_pte = ptep_get_lockless()):
            // every handler below re-reads it under the PTE lock and retries if it changed, so a
            // stale value costs a retry, never a wrong result, and the common fault takes the lock once.
            var pte = table.Peek(index);
            if (pte.IsPresent && (!write || pte.Writable) && !(unshare && MustUnshare(pte)))
            {
                using (table.Ptl.EnterScope())
                {
                    if (table.Get(index) != pte)
                    {
                        continue;
                    }

                    // Spurious: someone else resolved it; just age it (hardware sets A/D).
                    var aged = pte.WithYoung(true);
                    if (write)
                    {
                        aged = aged.WithDirty(true);
                        MarkFrameDirtyIfFile(aged.Pfn);
                    }

                    table.Set(index, aged);
                    return FaultResult.Ok;
                }
            }

            FaultResult result;
            if (pte.IsNone)
            {
                result = vma.File is null ? DoAnonymousPage(vma, addr, table, index, write) : DoFilePage(vma, addr, table, index, write, tableExisted);
            }
            else if (pte.IsGuard)
            {
                return FaultResult.SigSegv;
            }
            else if (pte.IsPoison)
            {
                return FaultResult.HwPoison;
            }
            else if (pte.IsSwap)
            {
                result = DoSwapPage(vma, addr, table, index, pte, write);
            }
            else
            {
                result = DoWpPage(vma, addr, table, index, pte, unshare);
            }

            if (result != FaultResult.Retry)
            {
                return result;
            }
        }
    }

    /// <summary>do_anonymous_page(): the zero page for a read, a new zeroed frame for a write.</summary>
    private FaultResult DoAnonymousPage(Vma vma, ulong addr, PteTable table, int index, bool write)
    {
        if (!write)
        {
            using (table.Ptl.EnterScope())
            {
                Kernel.Faults.At(FaultPoint.FaultPteLocked);
                if (!table.EntryFree(index))
                {
                    return FaultResult.Retry;
                }

                table.Set(index, Pte.Make(PhysicalMemory.ZeroPfn, writable: false, dirty: false, young: true));
                AddRss(PhysicalMemory.ZeroPfn, 1);
                return FaultResult.Ok;
            }
        }

        var anonVma = AnonVmaPrepare(vma);
        var pfn = NewAnonFrame(anonVma, addr, zero: true, mlocked: (vma.Flags & VmFlags.VM_LOCKED) != 0);
        if (pfn < 0)
        {
            return FaultResult.Oom;
        }

        using (table.Ptl.EnterScope())
        {
            if (!table.EntryFree(index))
            {
                DiscardNewFrame(pfn);
                return FaultResult.Retry;
            }

            MapNewAnonFrameLocked(table, index, pfn);
        }

        return FaultResult.Ok;
    }

    /// <summary>do_read_fault() / do_cow_fault() / do_shared_fault(): map a page cache page, or a private copy of it.</summary>
    /// <param name="tableExisted">Whether the page table held an entry before this fault (see <see cref="FaultAround"/>).</param>
    private FaultResult DoFilePage(Vma vma, ulong addr, PteTable table, int index, bool write, bool tableExisted)
    {
        // A PMD-sized folio in the page cache is mapped by one huge entry where the PMD is empty
        // (filemap_map_pmd() in fault-around, do_set_pmd() in finish_fault()); never for a
        // private write, which maps a copy.
        if ((!write || (vma.Flags & VmFlags.VM_SHARED) != 0) && !Volatile.Read(ref table.Populated) && table.PeekHuge().IsNone)
        {
            var huge = DoSetPmd(vma, addr, table, write);
            if (huge != FaultResult.Fallback)
            {
                return huge;
            }
        }

        // do_read_fault(): fault-around first; the page itself may be among those it mapped.
        if (!write && FaultAround(vma, addr, table, tableExisted))
        {
            return FaultResult.Ok;
        }

        var memory = Kernel.Memory;
        var shared = (vma.Flags & VmFlags.VM_SHARED) != 0;

        // do_cow_fault() prepares the VMA's anon_vma before it reads the file page, so a write
        // fault that then fails (beyond EOF: SIGBUS) still leaves the VMA with an anon_vma,
        // which decides later merges.
        var anonVma = write && !shared ? AnonVmaPrepare(vma) : null;
        var cached = Filemap.GetPage(Kernel, vma.File!.Inode, vma.PageIndex(addr));
        if (cached == Filemap.BeyondEof)
        {
            return FaultResult.SigBus;
        }

        if (cached == Filemap.OutOfMemory)
        {
            return FaultResult.Oom;
        }

        if (anonVma is not null)
        {
            // do_cow_fault(): a private writable mapping gets its own copy at once.
            var copy = NewAnonFrame(anonVma, addr, zero: false, mlocked: (vma.Flags & VmFlags.VM_LOCKED) != 0);
            if (copy < 0)
            {
                memory.Put(cached);
                return FaultResult.Oom;
            }

            unsafe
            {
                Buffer.MemoryCopy(memory.Data(cached), memory.Data(copy), PhysicalMemory.PageBytes, PhysicalMemory.PageBytes);
            }

            memory.Put(cached);
            using (table.Ptl.EnterScope())
            {
                if (!table.EntryFree(index))
                {
                    DiscardNewFrame(copy);
                    return FaultResult.Retry;
                }

                MapNewAnonFrameLocked(table, index, copy);
            }

            Kernel.Stats.RecordCow();
            return FaultResult.Ok;
        }

        // finish_fault(): a PMD-sized folio is mapped whole when every entry of its block is empty.
        if (MapLargeFolioPtes(vma, addr, table, write) == 1)
        {
            memory.Put(cached);
            return FaultResult.Ok;
        }

        using (table.Ptl.EnterScope())
        {
            if (!table.EntryFree(index))
            {
                memory.Put(cached);
                return FaultResult.Retry;
            }

            // The reference from GetPage becomes the PTE's.
            Interlocked.Increment(ref memory.Frame(cached).MapCount);
            table.Set(index, Pte.Make(cached, writable: write, dirty: write, young: true));
            AddRss(cached, 1);
            if (write)
            {
                Interlocked.Or(ref memory.Frame(cached).Flags, (int)PageFlags.Dirty);
            }

            if ((vma.Flags & VmFlags.VM_LOCKED) != 0)
            {
                Kernel.Lru.Mlock(cached);
            }
        }

        return FaultResult.Ok;
    }

    /// <summary>
    /// True when a read that pins the page must first unshare it (gup_must_unshare()): an
    /// anonymous page that is not known to be the mapping's alone (<see cref="AnonExclusive"/>).
    /// </summary>
    private bool MustUnshare(Pte pte)
    {
        if (pte.Pfn == PhysicalMemory.ZeroPfn)
        {
            return false;
        }

        ref var frame = ref Kernel.Memory.Frame(pte.Pfn);
        return (Volatile.Read(ref frame.Flags) & (int)PageFlags.Anon) != 0 && !AnonExclusive(ref frame);
    }

    /// <summary>
    /// The model's PageAnonExclusive(): fork has not shared the page since a fault last found it
    /// exclusive (<see cref="PageFlags.AnonShared"/>), one entry maps it, and nothing but that
    /// entry and per-CPU folio batches (<see cref="PageFrame.BatchRefs"/>) references it.
    /// </summary>
    private static bool AnonExclusive(ref PageFrame frame) =>
        (Volatile.Read(ref frame.Flags) & (int)PageFlags.AnonShared) == 0
        && Volatile.Read(ref frame.MapCount) == 1
        && Volatile.Read(ref frame.RefCount) - Volatile.Read(ref frame.BatchRefs) == 1;

    /// <summary>
    /// wp_can_reuse_anon_folio() for a small folio: with more than three references, no; for a
    /// frame off the LRU, drain this CPU's batches first (a reference there cannot be told from
    /// another user's); then only the mapping's own reference may be left. A frame in a batch
    /// keeps its LRU flag, so no drain runs for it and the batch's reference forbids the reuse.
    /// </summary>
    /// <remarks>Precondition: the PTE lock of the mapping is held (the drain takes only leaf locks).</remarks>
    private bool CanReuseAnonFolio(int pfn)
    {
        ref var frame = ref Kernel.Memory.Frame(pfn);
        if (Volatile.Read(ref frame.RefCount) > 3)
        {
            return false;
        }

        if ((Volatile.Read(ref frame.Flags) & (int)PageFlags.Lru) == 0)
        {
            Kernel.LruBatches.Drain();
        }

        return Volatile.Read(ref frame.RefCount) == 1 && Volatile.Read(ref frame.MapCount) == 1;
    }

    /// <summary>
    /// do_wp_page(): a write to a present, write-protected page of a writable VMA; with
    /// <paramref name="unshare"/>, a pinning read of a shared anonymous page, which gets the same
    /// copy mapped read-only (wp_page_copy() with FAULT_FLAG_UNSHARE). The copy's entry is dirty:
    /// Linux 6.18.44 on x86 reports it so (smaps Private_Dirty with the folio itself clean, and a
    /// later write still faults), although the 6.18.2 source makes it clean. Dirty is the safe
    /// state: the copy's data exists nowhere else, and a clean entry on a clean folio would let a
    /// sharer's MADV_FREE turn it into a page reclaim may drop (corpus
    /// madv-free-after-unshare-copy.scn).
    /// </summary>
    private FaultResult DoWpPage(Vma vma, ulong addr, PteTable table, int index, Pte seen, bool unshare)
    {
        var memory = Kernel.Memory;
        var old = seen.Pfn;
        if ((vma.Flags & VmFlags.VM_SHARED) != 0 && !unshare)
        {
            // wp_page_shared(): the page cache page itself becomes writable.
            using (table.Ptl.EnterScope())
            {
                if (table.Get(index) != seen)
                {
                    return FaultResult.Retry;
                }

                table.Set(index, seen.WithWritable(true).WithDirty(true).WithYoung(true));
                Interlocked.Or(ref memory.Frame(old).Flags, (int)PageFlags.Dirty);
                return FaultResult.Ok;
            }
        }

        using (table.Ptl.EnterScope())
        {
            if (table.Get(index) != seen)
            {
                return FaultResult.Retry;
            }

            ref var frame = ref memory.Frame(old);
            if (old != PhysicalMemory.ZeroPfn && (frame.Flags & (int)PageFlags.Anon) != 0
                && (AnonExclusive(ref frame) || CanReuseAnonFolio(old)))
            {
                // Nobody else can see this page; no copy needed. It is exclusive from now on.
                Interlocked.And(ref frame.Flags, ~(int)PageFlags.AnonShared);
                if (!unshare)
                {
                    table.Set(index, seen.WithWritable(true).WithDirty(true).WithYoung(true));
                }

                return FaultResult.Ok;
            }

            if (old != PhysicalMemory.ZeroPfn)
            {
                memory.Get(old);
            }
        }

        // wp_page_copy(): copy outside the lock, holding a reference on the old frame.
        var anonVma = AnonVmaPrepare(vma);
        var copy = NewAnonFrame(anonVma, addr, zero: old == PhysicalMemory.ZeroPfn, mlocked: (vma.Flags & VmFlags.VM_LOCKED) != 0);
        if (copy < 0)
        {
            if (old != PhysicalMemory.ZeroPfn)
            {
                memory.Put(old);
            }

            return FaultResult.Oom;
        }

        if (old != PhysicalMemory.ZeroPfn)
        {
            unsafe
            {
                Buffer.MemoryCopy(memory.Data(old), memory.Data(copy), PhysicalMemory.PageBytes, PhysicalMemory.PageBytes);
            }
        }

        using (table.Ptl.EnterScope())
        {
            if (table.Get(index) != seen)
            {
                DiscardNewFrame(copy);
                if (old != PhysicalMemory.ZeroPfn)
                {
                    memory.Put(old);
                }

                return FaultResult.Retry;
            }

            if (unshare)
            {
                Kernel.Memory.Frame(copy).MapCount = 1;
                table.Set(index, Pte.Make(copy, writable: false, dirty: true, young: true));
                AddRss(copy, 1);
            }
            else
            {
                MapNewAnonFrameLocked(table, index, copy);
            }

            AddRss(old, -1);

            // ptep_clear_flush(): no CPU may keep using the old frame through a stale entry.
            var vpn = addr >> PageSize.PAGE_SHIFT;
            TlbFlush.FlushRange(this, vpn, vpn + 1);
            if (old != PhysicalMemory.ZeroPfn)
            {
                Interlocked.Decrement(ref memory.Frame(old).MapCount);
                if ((vma.Flags & VmFlags.VM_LOCKED) != 0)
                {
                    // This locked mapping now maps the copy (folio_remove_rmap → munlock_vma_folio).
                    Kernel.Lru.Munlock(old);
                }
            }
        }

        if (old != PhysicalMemory.ZeroPfn)
        {
            memory.Put(old); // the old PTE's reference
            memory.Put(old); // ours
        }

        Kernel.Stats.RecordCow();
        return FaultResult.Ok;
    }

    /// <summary>do_swap_page(): bring a swapped-out anonymous page back.</summary>
    private FaultResult DoSwapPage(Vma vma, ulong addr, PteTable table, int index, Pte seen, bool write)
    {
        var memory = Kernel.Memory;
        var swap = Kernel.Swap!;
        var slot = seen.SwapSlot;
        var pfn = swap.LookupCache(slot);
        var fromCache = pfn >= 0;
        if (!fromCache)
        {
            // The slot is read under the PTE lock, below, not here: seen came from a lockless
            // read, and reclaim publishes the swap entry before its final copy into the slot
            // (which it makes under this lock, after the TLB flush); a slot read here could also
            // have been freed and reused meanwhile.
            pfn = NewAnonFrame(AnonVmaPrepare(vma), addr, zero: false, mlocked: false);
            if (pfn < 0)
            {
                return FaultResult.Oom;
            }
        }
        else
        {
            // A write must tell from the reference count whether the page is ours alone: a
            // swap-cache frame off the LRU may be referenced by this CPU's batches; drain them.
            if (write && (Volatile.Read(ref memory.Frame(pfn).Flags) & (int)PageFlags.Lru) == 0)
            {
                Kernel.LruBatches.Drain();
            }

            // A swap-cache frame is normally on the LRU already; make sure while we hold a reference.
            Kernel.Lru.Add(pfn);
        }

        Kernel.Faults.At(FaultPoint.SwapInBeforePteLock);
        using (table.Ptl.EnterScope())
        {
            if (table.Get(index) != seen)
            {
                if (fromCache)
                {
                    memory.Put(pfn);
                }
                else
                {
                    DiscardNewFrame(pfn);
                }

                return FaultResult.Retry;
            }

            ref var frame = ref memory.Frame(pfn);
            if (!fromCache)
            {
                // While this PTE holds the slot, the slot is complete and cannot be reused.
                swap.ReadIn(slot, pfn);
            }
            else
            {
                frame.Mapping ??= AnonVmaPrepare(vma);
                frame.Index = addr >> PageSize.PAGE_SHIFT;
                Interlocked.Or(ref frame.Flags, (int)(PageFlags.Anon | PageFlags.SwapBacked));
            }

            Interlocked.Increment(ref frame.MapCount);
            table.Set(index, Pte.Make(pfn, writable: write, dirty: write, young: true));
            AddRss(pfn, 1);
            if ((vma.Flags & VmFlags.VM_LOCKED) != 0)
            {
                Kernel.Lru.Mlock(pfn);
            }

            // On the LRU before the PTE lock is dropped, as in MapNewAnonFrameLocked.
            Kernel.Lru.Add(pfn);
            swap.Free(slot);
        }

        Kernel.Stats.RecordSwapIn();
        return FaultResult.Ok;
    }

    /// <summary>anon_vma_prepare(): the VMA's anonymous origin, reusing a compatible neighbour's (find_mergeable_anon_vma).</summary>
    internal AnonVma AnonVmaPrepare(Vma vma)
    {
        var existing = vma.AnonVma;
        if (existing is not null)
        {
            return existing;
        }

        var candidate = FindMergeableAnonVma(vma) ?? new AnonVma(null, this);
        return vma.SetAnonVmaOnce(candidate);
    }

    private AnonVma? FindMergeableAnonVma(Vma vma)
    {
        var next = Vmas.NextAfter(vma.End);
        if (next is not null && AnonVmaCompatible(vma, next) && next.AnonVma is { } n && !next.HasUncowedParents)
        {
            return n;
        }

        var prev = Vmas.Prev(vma.Start);
        if (prev is not null && AnonVmaCompatible(prev, vma) && prev.AnonVma is { } p && !prev.HasUncowedParents)
        {
            return p;
        }

        return null;
    }

    /// <summary>anon_vma_compatible(): adjacent, same file, same flags apart from access bits, contiguous offsets.</summary>
    private static bool AnonVmaCompatible(Vma a, Vma b) =>
        a.End == b.Start && ReferenceEquals(a.File, b.File)
        && ((a.Flags ^ b.Flags) & ~(VmFlags.VM_READ | VmFlags.VM_WRITE | VmFlags.VM_EXEC | VmFlags.VM_SOFTDIRTY | VmFlags.VM_GUARD_INSTALLED)) == 0
        && b.PgOff == a.PgOff + ((b.Start - a.Start) >> PageSize.PAGE_SHIFT);

    /// <summary>
    /// Allocates an anonymous frame for <paramref name="addr"/> and puts it on the LRU while the
    /// caller still holds the only reference (so a racing zap cannot free it before it is on
    /// its list); -1 when memory is exhausted.
    /// </summary>
    private int NewAnonFrame(AnonVma anonVma, ulong addr, bool zero, bool mlocked)
    {
        var pfn = Kernel.Memory.Allocate(zero);
        if (pfn < 0)
        {
            return -1;
        }

        ref var f = ref Kernel.Memory.Frame(pfn);
        f.Flags = (int)(PageFlags.Anon | PageFlags.SwapBacked | (mlocked ? PageFlags.Mlocked : 0));

        // Seen by no one else yet: no LRU lock needed to set its mlock count.
        f.MlockCount = mlocked ? 1 : 0;
        f.Mapping = anonVma;
        f.Index = addr >> PageSize.PAGE_SHIFT;
        Kernel.Lru.Add(pfn);
        return pfn;
    }

    /// <summary>Frees a frame from <see cref="NewAnonFrame"/> that lost a race before being mapped.</summary>
    private void DiscardNewFrame(int pfn) => Kernel.Memory.Put(pfn);

    /// <summary>Maps a new anonymous frame writable and dirty. Precondition: the PTE lock is held and the entry may be replaced.</summary>
    private void MapNewAnonFrameLocked(PteTable table, int index, int pfn)
    {
        Kernel.Memory.Frame(pfn).MapCount = 1;
        table.Set(index, Pte.Make(pfn, writable: true, dirty: true, young: true));
        AddRss(pfn, 1);
    }

    /// <summary>A write through a clean writable PTE dirties a page cache page (hardware D bit → folio dirty).</summary>
    private void MarkFrameDirtyIfFile(int pfn)
    {
        if (pfn == PhysicalMemory.ZeroPfn)
        {
            return;
        }

        ref var f = ref Kernel.Memory.Frame(pfn);
        if ((f.Flags & (int)PageFlags.Anon) == 0)
        {
            Interlocked.Or(ref f.Flags, (int)PageFlags.Dirty);
        }
    }
}
