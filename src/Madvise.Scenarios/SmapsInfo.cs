namespace Madvise.Scenarios;

/// <summary>
/// The advice-relevant /proc/PID/smaps counters of one mapping (the <c>smaps</c> step), in KiB,
/// as Linux prints them: the whole mapping's counters, whatever part of it the step's range
/// covers.
/// </summary>
/// <param name="Start">First address of the mapping.</param>
/// <param name="End">First address after the mapping.</param>
/// <param name="Rss">Resident pages mapped (zero pages excluded).</param>
/// <param name="Anonymous">The anonymous part of <paramref name="Rss"/>.</param>
/// <param name="AnonHugePages">Anonymous memory mapped by huge (PMD) entries.</param>
/// <param name="LazyFree">Clean anonymous memory marked by MADV_FREE (reclaim may discard it).</param>
/// <param name="Swap">Swapped-out memory of the mapping.</param>
/// <param name="Locked">The proportional size of the pages of a VM_LOCKED mapping.</param>
public sealed record SmapsInfo(ulong Start, ulong End, long Rss, long Anonymous, long AnonHugePages, long LazyFree, long Swap, long Locked);
