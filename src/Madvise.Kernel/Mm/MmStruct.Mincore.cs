using Madvise.Abi;
using Madvise.Kernel.Fs;
using Madvise.Kernel.Mm.PageTables;
using Madvise.Kernel.Mm.Vmas;
using Madvise.Kernel.Tasks;

namespace Madvise.Kernel.Mm;

// Linux: mm/mincore.c.
public sealed partial class MmStruct
{
    /// <summary>
    /// mincore(2) after its argument checks: one byte per page of [start, start + pages*4096),
    /// bit 0 set when the page is resident. Takes the mmap read lock. A file mapping whose file
    /// the caller (<paramref name="cred"/>) neither owns nor may write reports every page
    /// resident, hiding the page cache's state (can_do_mincore()).
    /// </summary>
    /// <returns>0, or -ENOMEM when a page of the range is not mapped (earlier bytes are filled).</returns>
    internal long Mincore(ulong start, Span<byte> vec, Credentials cred)
    {
        var token = ReadLock();
        try
        {
            var addr = start;
            var i = 0;
            while (i < vec.Length)
            {
                var vma = Vmas.FindContaining(addr);
                if (vma is null)
                {
                    return -Errno.ENOMEM;
                }

                var pages = (int)Math.Min((ulong)(vec.Length - i), (vma.End - addr) >> PageSize.PAGE_SHIFT);
                if (!CanDoMincore(vma, cred))
                {
                    vec.Slice(i, pages).Fill(1);
                }
                else
                {
                    for (var p = 0; p < pages; p++)
                    {
                        vec[i + p] = MincorePage(vma, addr + ((ulong)p << PageSize.PAGE_SHIFT));
                    }
                }

                i += pages;
                addr += (ulong)pages << PageSize.PAGE_SHIFT;
            }

            return 0;
        }
        finally
        {
            ReadUnlock(token);
        }
    }

    /// <summary>can_do_mincore(): anonymous memory, or a file the caller owns or may write.</summary>
    private static bool CanDoMincore(Vma vma, Credentials cred) => vma.File is null || vma.File.Inode.OwnerOrMayWrite(cred);

    private byte MincorePage(Vma vma, ulong addr)
    {
        var table = PageTable.Lookup(addr);
        Pte pte = default;
        if (table is not null)
        {
            using (table.Ptl.EnterScope())
            {
                // mincore_pte_range(): a huge entry (a huge page or the huge zero page) makes
                // every page it covers resident.
                if (table.Huge != 0)
                {
                    return 1;
                }

                pte = table.Get(PageTable.PteIndex(addr));
            }
        }

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
