namespace Madvise.Compaction.Engine;

/// <summary>
/// A process's memory counters in KiB, from /proc/PID/smaps_rollup (or the simulated kernel's
/// equivalent): what Android's compactor records before and after (total, file, anon, swap).
/// </summary>
/// <param name="RssKiB">Resident pages (Rss).</param>
/// <param name="AnonKiB">Resident anonymous pages (Anonymous).</param>
/// <param name="SwapKiB">Pages in swap (Swap).</param>
/// <param name="LockedKiB">Resident pages of mlocked mappings (Locked): no advice moves them.</param>
public sealed record MemoryRollup(long RssKiB, long AnonKiB, long SwapKiB, long LockedKiB)
{
    /// <summary>Resident file and shmem pages (Rss − Anonymous).</summary>
    public long FileKiB => Math.Max(0, RssKiB - AnonKiB);
}
