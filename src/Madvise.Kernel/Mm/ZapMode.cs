namespace Madvise.Kernel.Mm;

/// <summary>What a zap removes besides present pages and swap entries (Linux: <c>struct zap_details</c>).</summary>
internal enum ZapMode
{
    /// <summary>The VMA is going away (munmap, exit): guard and poison markers go too.</summary>
    Unmap,

    /// <summary>Guard installation (zap_page_range_single() without details): guard markers survive.</summary>
    KeepGuards,

    /// <summary>
    /// MADV_DONTNEED / DONTNEED_LOCKED (details.reclaim_pt): guard markers survive, and a page
    /// table the zap empties over its whole 2 MiB, keeping nothing, is freed (CONFIG_PT_RECLAIM).
    /// </summary>
    DontNeed,
}
