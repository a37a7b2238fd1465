using Madvise.Kernel.Mm.Vmas;

namespace Madvise.Kernel.Mm.Huge;

/// <summary>
/// PMD-sized transparent huge pages (THP): their size and the placement rules every huge path
/// shares (Linux: include/linux/huge_mm.h).
/// </summary>
/// <remarks>
/// <para>The model of a THP. A huge page is the 512 frames of one wholly free 2 MiB chunk of
/// <see cref="Physical.PhysicalMemory"/> (physically contiguous and aligned, as a buddy
/// allocator's order-9 block), mapped by one huge PMD entry (<see cref="PageTables.Pmd"/>, kept
/// in <see cref="PageTables.PteTable.Huge"/>). Unlike Linux's large folio, the frames keep their
/// own metadata: a huge entry holds one reference and one map count on each of its 512 frames,
/// and every frame has its own flags and place on the LRU. Splitting the PMD therefore only
/// turns the one entry into 512 PTEs to the same frames (data, counts and flags stay), and a
/// frame whose last mapping goes is freed at once, where Linux keeps a partly mapped large folio
/// until its deferred split under memory pressure. What a user can see is the same (which
/// entries map what, Rss, AnonHugePages, LazyFree, the proportional size of each page, mincore):
/// an operation on a huge entry applies to all its frames at once, and the decisions Linux makes
/// per folio (is it shared, is it lazy-free and clean) are made over the 512 frames.</para>
/// <para>Page cache: a PMD-sized folio (built by MADV_COLLAPSE on shmem) is 512 contiguous frames
/// caching 512 aligned indices, the first flagged <see cref="Physical.PageFlags.LargeHead"/>;
/// a fault maps it by one PMD where the VMA is suitably aligned. It stops being one folio
/// (Linux: split) when any of its pages leaves the page cache.</para>
/// </remarks>
internal static class HugePage
{
    /// <summary>HPAGE_PMD_ORDER.</summary>
    public const int Order = 9;

    /// <summary>HPAGE_PMD_NR: pages in a huge page.</summary>
    public const int Pages = 1 << Order;

    /// <summary>HPAGE_PMD_SIZE: 2 MiB.</summary>
    public const ulong Size = 1UL << 21;

    /// <summary>The start of the 2 MiB block containing <paramref name="addr"/> (addr &amp; HPAGE_PMD_MASK).</summary>
    public static ulong Align(ulong addr) => addr & ~(Size - 1);

    /// <summary>
    /// thp_vma_suitable_order(vma, addr, PMD_ORDER): the aligned 2 MiB around
    /// <paramref name="addr"/> lies wholly inside <paramref name="vma"/>, and for a file mapping the
    /// file offset of that block is 2 MiB aligned too (anonymous memory has no offset to check).
    /// </summary>
    public static bool Suitable(Vma vma, ulong addr)
    {
        if (!vma.IsAnonymous && (((vma.Start >> Abi.PageSize.PAGE_SHIFT) - vma.PgOff) & (Pages - 1)) != 0)
        {
            return false;
        }

        var haddr = Align(addr);
        return haddr >= vma.Start && haddr + Size <= vma.End && haddr + Size > haddr;
    }
}
