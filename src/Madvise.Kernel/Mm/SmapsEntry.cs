namespace Madvise.Kernel.Mm;

/// <summary>
/// The /proc/PID/smaps counters of one VMA that matter to memory advice, in KiB, as Linux
/// prints them (fs/proc/task_mmu.c show_smap()): whole-VMA values, whatever part of the VMA a
/// query touched.
/// </summary>
/// <param name="Start">First address of the VMA.</param>
/// <param name="End">First address after the VMA.</param>
/// <param name="Rss">Resident memory mapped by the VMA's page tables (the zero pages excluded).</param>
/// <param name="Anonymous">The part of <paramref name="Rss"/> that is anonymous memory (private pages, copy-on-write copies of file pages).</param>
/// <param name="AnonHugePages">Anonymous memory mapped by huge (PMD) entries.</param>
/// <param name="LazyFree">Anonymous memory marked lazy-free by MADV_FREE and still clean (reclaim may discard it).</param>
/// <param name="Swap">Memory of the VMA that is swapped out.</param>
/// <param name="Locked">The proportional set size of the VMA's pages if the VMA is VM_LOCKED (a page shared by n processes counts 1/n), else 0.</param>
public readonly record struct SmapsEntry(ulong Start, ulong End, long Rss, long Anonymous, long AnonHugePages, long LazyFree, long Swap, long Locked);
