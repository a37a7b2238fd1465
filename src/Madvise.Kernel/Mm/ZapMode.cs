namespace Madvise.Kernel.Mm;

/// <summary>What a zap removes besides present pages and swap entries (Linux: <c>struct zap_details</c>).</summary>
internal enum ZapMode
{
    /// <summary>The VMA is going away (munmap, exit): guard and poison markers go too.</summary>
    Unmap,

    /// <summary>MADV_DONTNEED / DONTNEED_LOCKED and guard installation: guard markers survive.</summary>
    KeepGuards,
}
