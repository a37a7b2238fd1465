using Madvise.Abi;
using Madvise.Kernel.Mm.PageTables;
using Madvise.Kernel.Mm.Vmas;
using Madvise.Kernel.Tasks;

namespace Madvise.Kernel.Mm;

// Linux: mm/mincore.c do_mincore(), mincore_pte_range(), mincore_page().
public sealed partial class MmStruct
{
    /// <summary>
    /// do_mincore(): one byte per page from <paramref name="start"/> to the end of its VMA or of
    /// <paramref name="vec"/>, whichever comes first; bit 0 set when the page is resident. Takes
    /// the mmap read lock. A file mapping whose file the caller (<paramref name="cred"/>) neither
    /// owns nor may write reports every page resident, hiding the page cache's state
    /// (can_do_mincore()).
    /// </summary>
    /// <returns>The number of bytes written (at least one), or -ENOMEM when no VMA contains <paramref name="start"/>.</returns>
    internal long Mincore(ulong start, Span<byte> vec, Credentials cred)
    {
        var token = ReadLock();
        try
        {
            var vma = Vmas.FindContaining(start);
            if (vma is null)
            {
                return -Errno.ENOMEM;
            }

            var pages = (int)Math.Min((ulong)vec.Length, (vma.End - start) >> PageSize.PAGE_SHIFT);
            vec = vec[..pages];
            if (!CanDoMincore(vma, cred))
            {
                vec.Fill(1);
                return pages;
            }

            var end = start + ((ulong)pages << PageSize.PAGE_SHIFT);
            Span<ulong> entries = stackalloc ulong[PteTable.EntryCount];
            var i = 0;
            for (var addr = start; addr < end;)
            {
                var stop = PageTable.PmdAddrEnd(addr, end);
                var n = (int)((stop - addr) >> PageSize.PAGE_SHIFT);
                var table = PageTable.Lookup(addr);
                if (table is null && vma.File is null)
                {
                    // No page table over anonymous memory: nothing is resident (mincore_unmapped_range()).
                    vec.Slice(i, n).Clear();
                    i += n;
                    addr = stop;
                    continue;
                }

                if (table is null)
                {
                    // No page table: every page is a hole, reporting the page cache.
                    entries[..n].Clear();
                }
                else
                {
                    // The entries are copied under the PTE lock and judged after it: the page cache
                    // lock ranks above the PTE lock, so it cannot be taken inside.
                    bool huge;
                    using (table.Ptl.EnterScope())
                    {
                        huge = table.Huge != 0;
                        var first = PageTable.PteIndex(addr);
                        for (var p = 0; !huge && p < n; p++)
                        {
                            entries[p] = table.Get(first + p).Raw;
                        }
                    }

                    if (huge)
                    {
                        // mincore_pte_range(): a huge entry (a huge page or the huge zero page)
                        // makes every page it covers resident.
                        vec.Slice(i, n).Fill(1);
                        i += n;
                        addr = stop;
                        continue;
                    }
                }

                for (var p = 0; p < n; p++)
                {
                    vec[i + p] = MincorePage(vma, addr + ((ulong)p << PageSize.PAGE_SHIFT), new Pte(entries[p]));
                }

                i += n;
                addr = stop;
            }

            return pages;
        }
        finally
        {
            ReadUnlock(token);
        }
    }

    /// <summary>can_do_mincore(): anonymous memory, or a file the caller owns or may write.</summary>
    private static bool CanDoMincore(Vma vma, Credentials cred) => vma.File is null || vma.File.Inode.OwnerOrMayWrite(cred);

    /// <summary>The residency byte of the page at <paramref name="addr"/> whose entry is <paramref name="pte"/>.</summary>
    private byte MincorePage(Vma vma, ulong addr, Pte pte)
    {
        if (pte.IsPresent)
        {
            return 1;
        }

        if (pte.IsSwap)
        {
            return Kernel.Swap!.IsCached(pte.SwapSlot) ? (byte)1 : (byte)0;
        }

        if (pte.IsPoison)
        {
            return 1;
        }

        // pte_none_mostly(): empty entries and guard markers report the page cache state.
        return vma.File is { } file && file.Inode.Cache.Contains(vma.PageIndex(addr)) ? (byte)1 : (byte)0;
    }
}
