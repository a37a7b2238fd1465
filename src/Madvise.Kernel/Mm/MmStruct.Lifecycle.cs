using Madvise.Abi;
using Madvise.Kernel.Mm.PageTables;
using Madvise.Kernel.Mm.Physical;
using Madvise.Kernel.Mm.Tlb;
using Madvise.Kernel.Mm.Vmas;

namespace Madvise.Kernel.Mm;

// Linux: kernel/fork.c dup_mmap(), mm/memory.c copy_page_range(), mm/mmap.c exit_mmap().
public sealed partial class MmStruct
{
    /// <summary>
    /// dup_mmap(): a copy-on-write copy of this address space for a child process. VM_DONTCOPY
    /// VMAs are left out; VM_WIPEONFORK VMAs are copied empty; VM_LOCKED is not inherited.
    /// </summary>
    /// <returns>The child's mm, or null with <paramref name="error"/> (-ENOMEM).</returns>
    internal MmStruct? Fork(out long error)
    {
        var child = new MmStruct(Kernel);
        var token = WriteLock();
        var copied = false;
        var outOfMemory = false;
        try
        {
            var gather = TlbGather.Rent(this);
            try
            {
                foreach (var vma in Vmas)
                {
                    if ((vma.Flags & VmFlags.VM_DONTCOPY) != 0)
                    {
                        continue;
                    }

                    var copy = new Vma(child, vma.Start, vma.End, vma.Flags & ~LockedMask, vma.File, vma.PgOff);
                    var wipe = (vma.Flags & VmFlags.VM_WIPEONFORK) != 0;
                    if (!wipe && vma.AnonVma is { } anon)
                    {
                        copy.AnonVma = new AnonVma(anon, child);
                        copy.HasUncowedParents = true;
                    }

                    child.InsertVma(copy);
                    if (!wipe && NeedsCopy(vma) && !CopyPageRange(child, vma, gather))
                    {
                        outOfMemory = true;
                        break;
                    }
                }
            }
            finally
            {
                TlbGather.Return(gather);
            }

            copied = !outOfMemory;
        }
        finally
        {
            WriteUnlock(token);
            if (!copied)
            {
                // dup_mmap() failed part-way: the half-built child goes, and with it what it
                // already shares (after the parent's lock is released: one mmap_lock at a time).
                child.Put();
            }
        }

        if (outOfMemory)
        {
            error = -Errno.ENOMEM;
            return null;
        }

        error = 0;
        return child;
    }

    /// <summary>
    /// vma_needs_copy() (Linux: mm/memory.c): the child gets the page tables only where its faults
    /// could not rebuild them: a VMA with an anon_vma (its anonymous pages and copy-on-write copies
    /// exist nowhere else), one that may hold guard markers (VM_MAYBE_GUARD, in VM_COPY_ON_FORK
    /// on 6.18.44), or a raw PFN mapping. A shared or file mapping, or an anonymous one never
    /// written (zero pages only), leaves the child's tables empty: its Rss starts at 0 and its
    /// faults map the pages again.
    /// </summary>
    private static bool NeedsCopy(Vma vma) =>
        vma.AnonVma is not null || (vma.Flags & (VmFlags.VM_GUARD_INSTALLED | VmFlags.VM_PFNMAP | VmFlags.VM_MIXEDMAP)) != 0;

    /// <summary>copy_page_range(): shares every page of <paramref name="vma"/> with the child; private pages become copy-on-write in both.</summary>
    /// <returns>False when a page table of the child could not be allocated (what was copied stays, for the caller to tear down).</returns>
    private bool CopyPageRange(MmStruct child, Vma vma, TlbGather gather)
    {
        var memory = Kernel.Memory;
        var cow = (vma.Flags & (VmFlags.VM_SHARED | VmFlags.VM_MAYWRITE)) == VmFlags.VM_MAYWRITE;
        for (var addr = vma.Start; addr < vma.End;)
        {
            var stop = PageTable.PmdAddrEnd(addr, vma.End);
            var table = PageTable.Lookup(addr);
            if (table is null)
            {
                addr = PageTable.NextTable(stop, vma.End);
                continue;
            }

            var childTable = child.PageTable.LookupOrCreate(addr);
            if (childTable is null)
            {
                return false;
            }

            using (table.Ptl.EnterScope())
            {
                using (childTable.Ptl.EnterNestedScope())
                {
                    Kernel.Faults.At(FaultPoint.ForkPteLocked);
                    if (table.Huge != 0)
                    {
                        CopyHugePmdLocked(child, vma, table, childTable, addr, gather);
                        addr = stop;
                        continue;
                    }

                    for (; addr < stop; addr += PageSize.PAGE_SIZE)
                    {
                        var index = PageTable.PteIndex(addr);
                        var pte = table.Get(index);
                        if (pte.IsNone)
                        {
                            continue;
                        }

                        if (pte.IsPresent)
                        {
                            var pfn = pte.Pfn;
                            if (cow && pte.Writable)
                            {
                                pte = pte.WithWritable(false);
                                table.Set(index, pte);
                                gather.AddRange(addr, PageSize.PAGE_SIZE);
                            }

                            if (pfn != PhysicalMemory.ZeroPfn)
                            {
                                memory.Get(pfn);
                                ref var frame = ref memory.Frame(pfn);
                                Interlocked.Increment(ref frame.MapCount);
                                MarkAnonShared(ref frame);
                            }

                            childTable.Set(index, pte.WithYoung(false));
                            child.AddRss(pfn, 1);
                        }
                        else
                        {
                            if (pte.IsSwap)
                            {
                                Kernel.Swap!.Duplicate(pte.SwapSlot);
                            }

                            childTable.Set(index, pte);
                        }
                    }
                }
            }
        }

        return true;
    }

    /// <summary>
    /// copy_huge_pmd(): an anonymous huge entry is copied as a huge entry: every frame gains the
    /// child's mapping, both entries are write-protected and the child's is old (the huge zero
    /// page the same way, without references). A file's huge entry is not copied: the child
    /// maps the folio again on its first fault. Precondition: both tables' locks are held.
    /// </summary>
    private void CopyHugePmdLocked(MmStruct child, Vma vma, PteTable table, PteTable childTable, ulong haddr, TlbGather gather)
    {
        var pmd = table.GetHuge();
        if (!vma.IsAnonymous)
        {
            return;
        }

        if (!pmd.IsHugeZero)
        {
            var memory = Kernel.Memory;
            for (var i = 0; i < Huge.HugePage.Pages; i++)
            {
                memory.Get(pmd.Pfn + i);
                ref var frame = ref memory.Frame(pmd.Pfn + i);
                Interlocked.Increment(ref frame.MapCount);
                MarkAnonShared(ref frame);
            }

            if (pmd.Writable)
            {
                pmd = pmd.WithWritable(false);
                table.SetHuge(pmd);
                gather.AddRange(haddr, Huge.HugePage.Size);
            }
        }

        var copy = pmd.WithYoung(false);
        childTable.SetHuge(copy);
        child.AddRssHuge(copy, 1);
    }

    /// <summary>
    /// folio_try_dup_anon_rmap_pte(): an anonymous page fork shares with the child is no longer
    /// exclusive to either (<see cref="PageFlags.AnonShared"/>), even after one of them unmaps it.
    /// </summary>
    private static void MarkAnonShared(ref PageFrame frame)
    {
        if ((Volatile.Read(ref frame.Flags) & (int)PageFlags.Anon) != 0)
        {
            Interlocked.Or(ref frame.Flags, (int)PageFlags.AnonShared);
        }
    }

    /// <summary>exit_mmap(): the last user is gone; unmap everything and free the page tables.</summary>
    private void ExitMmap()
    {
        var token = WriteLock();
        try
        {
            var gather = TlbGather.Rent(this);
            try
            {
                var all = new List<Vma>(Vmas.Count);
                foreach (var vma in Vmas)
                {
                    all.Add(vma);
                }

                foreach (var vma in all)
                {
                    vma.Lock.StartWrite();
                    ZapPageRange.Zap(this, vma, vma.Start, vma.End, gather, ZapMode.Unmap);
                    if ((vma.Flags & VmFlags.VM_LOCKED) != 0)
                    {
                        AddLockedVm(-(long)vma.Pages);
                    }

                    RemoveVma(vma);
                    vma.AnonVma?.Leave(this);
                }
            }
            finally
            {
                TlbGather.Return(gather);
            }

            PageTable.FreeEmptyTables(0, TaskSize, 0, ulong.MaxValue);
        }
        finally
        {
            WriteUnlock(token);
        }
    }
}
