namespace Madvise.Kernel;

/// <summary>
/// Places inside system calls where a test can make the kernel throw (<see cref="FaultInjector.Arm"/>),
/// each holding a different set of locks, to check that an oops releases every lock it held; and
/// where a race test can stop a thread (<see cref="FaultInjector.PauseAt"/>) to run another at
/// that moment.
/// </summary>
public enum FaultPoint
{
    /// <summary>No injection.</summary>
    None,

    /// <summary>do_mmap(), under the mmap write lock.</summary>
    MmapWriteLocked,

    /// <summary>The madvise walk, under the mmap read lock, with the VMA found.</summary>
    MadviseReadLocked,

    /// <summary>DONTNEED under the per-VMA read lock alone (PerVmaLock profile), before the zap.</summary>
    MadviseVmaLocked,

    /// <summary>A zap, holding a PTE lock and a TLB gather with changes pending.</summary>
    ZapPteLocked,

    /// <summary>A read fault on anonymous memory (zero page), holding the PTE lock, before the entry is set.</summary>
    FaultPteLocked,

    /// <summary>A page cache lookup, holding the page cache lock.</summary>
    PageCacheLocked,

    /// <summary>Moving frames between LRU lists (a drained folio batch of FREE or COLD, mlock, reclaim), holding the LRU lock and often a PTE lock.</summary>
    LruLocked,

    /// <summary>process_madvise() between two ranges of a vector, the mmap lock held across them (BatchedLock and later).</summary>
    VectorBetweenRanges,

    /// <summary>fork, holding the parent's mmap write lock and both PTE locks of a table being copied.</summary>
    ForkPteLocked,

    /// <summary>GUARD_INSTALL after a zap of the pages that kept it from placing markers, before its next pass (the mmap_lock or the VMA lock held; a pause point).</summary>
    GuardAfterZap,

    /// <summary>A swap-in fault that has seen the swap entry (a lockless read) and has its frame, before it takes the PTE lock (a pause point: an exception here leaves the frame taken).</summary>
    SwapInBeforePteLock,

    /// <summary>Reclaim of an anonymous page, its data written to a swap slot, before the page is unmapped; no lock held (a pause point: an exception here leaves the page isolated).</summary>
    ReclaimSlotWritten,

    /// <summary>A TLB gather about to flush: entries cleared, their frames held, no CPU told yet; no page-table lock held (a pause point: an exception here leaves the frames held).</summary>
    GatherBeforeFlush,
}
