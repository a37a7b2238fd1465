using Madvise.Abi;
using Madvise.Kernel.Mm.Huge;
using Madvise.Kernel.Mm.PageTables;
using Madvise.Kernel.Mm.Physical;
using Madvise.Kernel.Mm.Tlb;
using Madvise.Kernel.Mm.Vmas;

namespace Madvise.Kernel.Mm;

// Replacing the frame behind one PTE (Linux: mm/migrate.c, mm/memory-failure.c unmapping).
public sealed partial class MmStruct
{
    /// <summary>
    /// If the PTE at <paramref name="addr"/> maps <paramref name="pfn"/>, replaces it with the
    /// software entry <paramref name="marker"/>, flushes the translation and drops the PTE's reference.
    /// </summary>
    /// <remarks>A reverse-map walk: no mmap_lock of this mm is held, so the table is checked under its lock.</remarks>
    internal void ReplacePte(ulong addr, int pfn, Pte marker)
    {
        var table = PageTable.LookupUnlocked(addr);
        if (table is null)
        {
            return;
        }

        using (table.Ptl.EnterScope())
        {
            if (!table.IsLiveFor(PageTable, addr))
            {
                return;
            }

            SplitHugeCoveringLocked(table, addr, pfn);
            var index = PageTable.PteIndex(addr);
            var pte = table.Get(index);
            if (!pte.IsPresent || pte.Pfn != pfn)
            {
                return;
            }

            table.Set(index, marker);
            AddRss(pfn, -1);
            var vpn = addr >> PageSize.PAGE_SHIFT;
            TlbFlush.FlushRange(this, vpn, vpn + 1);
            Interlocked.Decrement(ref Kernel.Memory.Frame(pfn).MapCount);
        }

        Kernel.Memory.Put(pfn);
    }

    /// <summary>
    /// TTU_SPLIT_HUGE_PMD for one page: splits the huge entry of <paramref name="table"/> if it maps
    /// <paramref name="pfn"/> (at <paramref name="addr"/>). Precondition: the table's lock is held.
    /// </summary>
    private void SplitHugeCoveringLocked(PteTable table, ulong addr, int pfn)
    {
        var pmd = table.GetHuge();
        if (pmd.IsPresent && !pmd.IsHugeZero && pfn >= pmd.Pfn && pfn < pmd.Pfn + HugePage.Pages)
        {
            var vma = Vmas.FindContaining(addr);
            SplitHugePmdLocked(table, HugePage.Align(addr), vma is not null && (vma.Flags & VmFlags.VM_LOCKED) != 0);
        }
    }

    /// <summary>
    /// Moves the exclusively mapped anonymous page at <paramref name="addr"/> to a new frame
    /// (soft offline) and retires the old frame. Precondition: the mmap_lock is held.
    /// </summary>
    /// <returns>False when the page is not such a page (nothing done).</returns>
    internal bool MigrateAnonPage(Vma vma, ulong addr)
    {
        var table = PageTable.Lookup(addr);
        if (table is null)
        {
            return false;
        }

        var memory = Kernel.Memory;
        using (table.Ptl.EnterScope())
        {
            if (table.GetHuge() is { IsPresent: true } pmd)
            {
                // Migration of one page of a huge page splits it first (split_huge_pmd()).
                SplitHugeCoveringLocked(table, addr, pmd.Pfn + PageTable.PteIndex(addr));
            }

            var index = PageTable.PteIndex(addr);
            var pte = table.Get(index);
            if (!pte.IsPresent || pte.Pfn == PhysicalMemory.ZeroPfn)
            {
                return false;
            }

            var old = pte.Pfn;
            ref var oldFrame = ref memory.Frame(old);
            if ((oldFrame.Flags & (int)PageFlags.Anon) == 0 || Volatile.Read(ref oldFrame.MapCount) != 1)
            {
                return false;
            }

            var copy = memory.Allocate(zero: false);
            if (copy < 0)
            {
                return false;
            }

            unsafe
            {
                Buffer.MemoryCopy(memory.Data(old), memory.Data(copy), PhysicalMemory.PageBytes, PhysicalMemory.PageBytes);
            }

            ref var newFrame = ref memory.Frame(copy);
            newFrame.Flags = oldFrame.Flags & (int)(PageFlags.Anon | PageFlags.SwapBacked | PageFlags.Mlocked | PageFlags.AnonShared);
            newFrame.Mapping = oldFrame.Mapping;
            newFrame.Index = oldFrame.Index;
            newFrame.MapCount = 1;
            newFrame.MlockCount = oldFrame.MlockCount;
            table.Set(index, Pte.Make(copy, pte.Writable, pte.Dirty, pte.Young));
            var vpn = addr >> PageSize.PAGE_SHIFT;
            TlbFlush.FlushRange(this, vpn, vpn + 1);

            // The old frame keeps the PTE's reference as its retirement reference: never reused.
            Interlocked.Decrement(ref oldFrame.MapCount);
            Interlocked.Or(ref oldFrame.Flags, (int)PageFlags.HwPoison);
            Kernel.Lru.Remove(old);
            Kernel.Lru.Add(copy);
            return true;
        }
    }
}
