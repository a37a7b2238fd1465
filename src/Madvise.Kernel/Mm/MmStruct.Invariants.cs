using Madvise.Abi;
using Madvise.Kernel.Mm.Locking;
using Madvise.Kernel.Mm.PageTables;
using Madvise.Kernel.Mm.Physical;
using Madvise.Kernel.Mm.Vmas;

namespace Madvise.Kernel.Mm;

// Ground-truth checks of the address space's invariants (gVisor style: recompute and compare).
public sealed partial class MmStruct
{
    /// <summary>
    /// Checks every invariant listed on <see cref="MmStruct"/> by recomputing from the VMAs and
    /// page tables; throws <see cref="InvalidOperationException"/> naming the ranges involved.
    /// Takes the mmap write lock.
    /// </summary>
    public void AssertInvariants()
    {
        var token = WriteLock();
        try
        {
            AssertInvariantsLocked();
        }
        finally
        {
            WriteUnlock(token);
        }
    }

    /// <summary>As <see cref="AssertInvariants"/>; precondition: the mmap write lock is held.</summary>
    internal void AssertInvariantsLocked()
    {
        MmapLock.AssertWriteLocked();
        Vmas.Validate();
        Vma? prev = null;
        long locked = 0;
        foreach (var vma in Vmas)
        {
            if (vma.Start >= vma.End || !PageSize.IsAligned(vma.Start) || !PageSize.IsAligned(vma.End) || vma.End > TaskSize)
            {
                throw new InvalidOperationException($"VMA {vma} is empty, unaligned or above TASK_SIZE");
            }

            if (prev is not null && prev.End > vma.Start)
            {
                throw new InvalidOperationException($"VMA {prev} overlaps {vma}");
            }

            if ((vma.Flags & VmFlags.VM_LOCKED) != 0)
            {
                locked += (long)vma.Pages;
            }

            prev = vma;
        }

        if (locked != LockedVm)
        {
            throw new InvalidOperationException($"locked_vm believes {LockedVm} pages are locked; VM_LOCKED VMAs hold {locked}");
        }

        long anon = 0, file = 0, shmem = 0, zero = 0, hugeZero = 0;
        var memory = Kernel.Memory;
        PageTable.ForEachTable((tableAddr, table) =>
        {
            using (table.Ptl.EnterScope())
            {
                var pmd = table.GetHuge();
                if (pmd.IsPresent)
                {
                    // A huge entry lies inside one VMA, over an empty deposited table.
                    var vma = Vmas.FindContaining(tableAddr);
                    if (vma is null || vma.End < tableAddr + PteTable.EntryCount * PageSize.PAGE_SIZE || table.Used != 0)
                    {
                        throw new InvalidOperationException($"huge entry {pmd} at {tableAddr:x} is not wholly inside one VMA ({vma}) or its table holds {table.Used} entries");
                    }

                    if (pmd.IsHugeZero)
                    {
                        hugeZero++;
                        return;
                    }

                    for (var i = 0; i < PteTable.EntryCount; i++)
                    {
                        ref var hf = ref memory.Frame(pmd.Pfn + i);
                        if ((hf.Flags & (int)PageFlags.Free) != 0 || hf.MapCount <= 0 || hf.RefCount < hf.MapCount)
                        {
                            throw new InvalidOperationException($"huge entry {pmd} at {tableAddr:x} maps frame {pmd.Pfn + i}, which is free or under-counted (ref {hf.RefCount}, map {hf.MapCount})");
                        }
                    }

                    var headFlags = memory.Frame(pmd.Pfn).Flags;
                    if ((headFlags & (int)PageFlags.Anon) != 0)
                    {
                        anon += PteTable.EntryCount;
                    }
                    else if ((headFlags & (int)PageFlags.Shmem) != 0)
                    {
                        shmem += PteTable.EntryCount;
                    }
                    else
                    {
                        file += PteTable.EntryCount;
                    }

                    return;
                }

                var used = 0;
                for (var i = 0; i < PteTable.EntryCount; i++)
                {
                    var pte = table.Get(i);
                    if (pte.IsNone)
                    {
                        continue;
                    }

                    used++;
                    var addr = tableAddr + ((ulong)i << PageSize.PAGE_SHIFT);
                    if (Vmas.FindContaining(addr) is null)
                    {
                        throw new InvalidOperationException($"PTE {pte} at {addr:x} lies outside every VMA");
                    }

                    if (!pte.IsPresent)
                    {
                        continue;
                    }

                    if (pte.Pfn == PhysicalMemory.ZeroPfn)
                    {
                        zero++;
                        continue;
                    }

                    ref var f = ref memory.Frame(pte.Pfn);
                    if ((f.Flags & (int)PageFlags.Free) != 0 || f.MapCount <= 0 || f.RefCount < f.MapCount)
                    {
                        throw new InvalidOperationException($"PTE {pte} at {addr:x} maps a frame that is free or under-counted (ref {f.RefCount}, map {f.MapCount})");
                    }

                    if ((f.Flags & (int)PageFlags.Anon) != 0)
                    {
                        anon++;
                    }
                    else if ((f.Flags & (int)PageFlags.Shmem) != 0)
                    {
                        shmem++;
                    }
                    else
                    {
                        file++;
                    }
                }

                if (used != table.Used)
                {
                    throw new InvalidOperationException($"PTE table at {tableAddr:x} counts {table.Used} entries but holds {used}");
                }
            }
        });

        if (anon != RssAnon || file != RssFile || shmem != RssShmem || zero != Interlocked.Read(ref _zeroPageMaps)
            || hugeZero != Interlocked.Read(ref _hugeZeroMaps))
        {
            throw new InvalidOperationException(
                $"RSS believes anon {RssAnon}, file {RssFile}, shmem {RssShmem}, zero {_zeroPageMaps}, huge zero {_hugeZeroMaps}; page tables hold {anon}, {file}, {shmem}, {zero}, {hugeZero}");
        }
    }
}
