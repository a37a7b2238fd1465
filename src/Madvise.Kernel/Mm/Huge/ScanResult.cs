using Madvise.Abi;

namespace Madvise.Kernel.Mm.Huge;

/// <summary>
/// Outcome of collapsing one 2 MiB block (Linux: mm/khugepaged.c <c>enum scan_result</c>), the
/// values this model can produce.
/// </summary>
internal enum ScanResult
{
    /// <summary>SCAN_FAIL: a page could not be faulted in, or the block maps something else.</summary>
    Fail,

    /// <summary>SCAN_SUCCEED: the block was collapsed.</summary>
    Succeed,

    /// <summary>SCAN_PMD_NULL: no page-middle directory covers the block.</summary>
    PmdNull,

    /// <summary>SCAN_PMD_NONE: the PMD is empty (no page table).</summary>
    PmdNone,

    /// <summary>SCAN_PMD_MAPPED: a huge entry maps the block already (a huge page or the huge zero page).</summary>
    PmdMapped,

    /// <summary>SCAN_PTE_NON_PRESENT: a non-present entry where the file's folio should be mapped.</summary>
    PteNonPresent,

    /// <summary>SCAN_PTE_MAPPED_HUGEPAGE: the page cache holds a PMD-sized folio there; map it.</summary>
    PteMappedHugepage,

    /// <summary>SCAN_PAGE_NULL: no page where one was expected.</summary>
    PageNull,

    /// <summary>SCAN_PAGE_COUNT: a page has references its mappings do not explain.</summary>
    PageCount,

    /// <summary>SCAN_PAGE_LRU: a page is not on an LRU list.</summary>
    PageLru,

    /// <summary>SCAN_PAGE_ANON: a page of an anonymous block is not anonymous.</summary>
    PageAnon,

    /// <summary>SCAN_PAGE_COMPOUND: the page cache's folio there is not PMD-sized.</summary>
    PageCompound,

    /// <summary>SCAN_VMA_CHECK: the VMA no longer allows a huge page there.</summary>
    VmaCheck,

    /// <summary>SCAN_DEL_PAGE_LRU: a page could not be taken off its LRU list.</summary>
    DelPageLru,

    /// <summary>SCAN_ALLOC_HUGE_PAGE_FAIL: no free 2 MiB block.</summary>
    AllocHugePageFail,

    /// <summary>SCAN_TRUNCATED: the file range holds no page at all.</summary>
    Truncated,
}

/// <summary>What MADV_COLLAPSE makes of a <see cref="ScanResult"/>.</summary>
internal static class ScanResultExtensions
{
    /// <summary>madvise_collapse(): a result after which the next block is still tried (the whitelist).</summary>
    public static bool ContinuesCollapse(this ScanResult r) => r is ScanResult.PmdNull or ScanResult.PteNonPresent or ScanResult.PageNull
        or ScanResult.PageCount or ScanResult.PageCompound or ScanResult.PageLru or ScanResult.DelPageLru;

    /// <summary>madvise_collapse_errno().</summary>
    public static long Errno(this ScanResult r) => r switch
    {
        ScanResult.AllocHugePageFail => -Abi.Errno.ENOMEM,
        ScanResult.PageCount or ScanResult.PageLru or ScanResult.DelPageLru => -Abi.Errno.EAGAIN,
        _ => -Abi.Errno.EINVAL,
    };
}
