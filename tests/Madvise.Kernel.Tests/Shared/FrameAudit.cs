using Madvise.Kernel.Fs;
using Madvise.Kernel.Mm;
using Madvise.Kernel.Mm.Locking;
using Madvise.Kernel.Mm.PageTables;
using Madvise.Kernel.Mm.Physical;

namespace Madvise.Kernel.Tests.Shared;

/// <summary>
/// Ground truth for physical memory (gVisor style: recompute and compare): every frame's map
/// count, mlock count and reference count are recomputed from the page tables and VMAs of the
/// live address spaces, the page caches and the swap cache, and compared with the frame's
/// counters; a frame that is in use but referenced by nothing is a leak. A per-CPU folio batch's
/// entry is a reference too: the entries are counted from the batches and must agree with each
/// frame's <see cref="PageFrame.BatchRefs"/>.
/// </summary>
/// <remarks>
/// Precondition: nothing runs on the kernel concurrently (transient references would count as
/// errors). Hardware-poisoned frames are retired on purpose and are not audited.
/// </remarks>
internal static class FrameAudit
{
    /// <summary>
    /// Recomputes every frame's counts from <paramref name="live"/> (every address space that
    /// still exists) and throws naming the first frame whose counters disagree, that is in use
    /// with no reference, or that is free while a PTE maps it.
    /// </summary>
    public static void Assert(SimulatedKernel kernel, IEnumerable<MmStruct> live)
    {
        var memory = kernel.Memory;
        var created = memory.CreatedFrames;
        var mapped = new int[created];
        var locked = new int[created];
        var tables = new int[created];
        var queued = new int[created];
        kernel.LruBatches.ForEachQueued((_, pfn) => queued[pfn]++);
        foreach (var mm in live)
        {
            mm.PageTable.ForEachFrame((_, _, pfn) => tables[pfn]++);
            mm.PageTable.ForEachTable((tableAddr, table) =>
            {
                using (table.Ptl.EnterScope())
                {
                    var pmd = table.GetHuge();
                    if (pmd.IsPresent && !pmd.IsHugeZero)
                    {
                        // A huge entry maps each of its 512 frames once.
                        var vma = mm.Vmas.FindContaining(tableAddr);
                        var hugeLocked = vma is not null && (vma.Flags & Kernel.Mm.Vmas.VmFlags.VM_LOCKED) != 0;
                        for (var i = 0; i < PteTable.EntryCount; i++)
                        {
                            mapped[pmd.Pfn + i]++;
                            if (hugeLocked)
                            {
                                locked[pmd.Pfn + i]++;
                            }
                        }
                    }

                    for (var i = 0; i < PteTable.EntryCount; i++)
                    {
                        var pte = table.Get(i);
                        if (pte.IsPresent && pte.Pfn != PhysicalMemory.ZeroPfn)
                        {
                            mapped[pte.Pfn]++;
                            var vma = mm.Vmas.FindContaining(tableAddr + ((ulong)i << Abi.PageSize.PAGE_SHIFT));
                            if (vma is not null && (vma.Flags & Kernel.Mm.Vmas.VmFlags.VM_LOCKED) != 0)
                            {
                                locked[pte.Pfn]++;
                            }
                        }
                    }
                }
            });
        }

        for (var pfn = 1; pfn < created; pfn++)
        {
            ref var f = ref memory.Frame(pfn);
            var flags = (PageFlags)f.Flags;
            if ((flags & PageFlags.Reserved) != 0)
            {
                continue;
            }

            if (f.BatchRefs != queued[pfn])
            {
                throw new InvalidOperationException($"frame {pfn} ({flags}): {f.BatchRefs} folio batch references counted, {queued[pfn]} batch entries hold it");
            }

            if ((flags & PageFlags.Free) != 0)
            {
                if (mapped[pfn] != 0 || queued[pfn] != 0)
                {
                    throw new InvalidOperationException($"frame {pfn} is free but {mapped[pfn]} PTEs map it and {queued[pfn]} folio batch entries hold it");
                }

                continue;
            }

            if ((flags & PageFlags.HwPoison) != 0)
            {
                continue;
            }

            if ((flags & PageFlags.PageTable) != 0 || tables[pfn] != 0)
            {
                // A page table's frame: held by exactly one live page table, mapped by nothing.
                if ((flags & PageFlags.PageTable) == 0 || tables[pfn] != 1 || f.RefCount != 1 || mapped[pfn] != 0)
                {
                    throw new InvalidOperationException(
                        $"frame {pfn} ({flags}): ref count {f.RefCount}; live page tables hold it {tables[pfn]} times, PTEs map it {mapped[pfn]} times" +
                        (tables[pfn] == 0 ? " (leaked: a page table nothing holds)" : string.Empty));
                }

                continue;
            }

            var expected = mapped[pfn] + queued[pfn];
            if (f.Mapping is PageCache cache)
            {
                using (cache.Lock.EnterScope())
                {
                    if (cache.TryGetLocked(f.Index, out var cached) && cached == pfn)
                    {
                        expected++;
                    }
                }
            }

            if ((flags & PageFlags.SwapCache) != 0)
            {
                expected++;
            }

            if (f.MlockCount != locked[pfn] || (flags & PageFlags.Mlocked) != 0 != (locked[pfn] > 0))
            {
                throw new InvalidOperationException(
                    $"frame {pfn} ({flags}): mlock count {f.MlockCount}; PTEs of VM_LOCKED VMAs map it {locked[pfn]} times");
            }

            if (f.MapCount != mapped[pfn] || f.RefCount != expected || expected == 0)
            {
                throw new InvalidOperationException(
                    $"frame {pfn} ({flags}): map count {f.MapCount}, ref count {f.RefCount}; page tables map it {mapped[pfn]} times, " +
                    $"{queued[pfn]} folio batch entries hold it, expected {expected} references{(expected == 0 ? " (leaked: nothing refers to it)" : string.Empty)}");
            }
        }
    }
}
