namespace Madvise.Kernel;

/// <summary>
/// Which kernel design a simulated kernel runs: the locking and TLB-flushing of
/// process_madvise() before and after the series, and on current kernels. A profile changes
/// only how locks are taken and TLBs flushed, never a result.
/// </summary>
public enum KernelProfile
{
    /// <summary>Before the series (≤ 6.14): process_madvise() runs the whole madvise path, lock to unlock, once per range.</summary>
    PerRangeLock,

    /// <summary>The series (6.15): one mmap_lock acquisition per vector; unlock, relock and retry on a race-caused restart.</summary>
    BatchedLock,

    /// <summary>The follow-up (6.16): additionally one TLB-flush batch for the whole vector for DONTNEED, DONTNEED_LOCKED and FREE.</summary>
    BatchedTlb,

    /// <summary>Current kernels (6.17+): DONTNEED, DONTNEED_LOCKED and FREE take only the VMA's read lock when a range lies in one VMA of the caller's own mm.</summary>
    PerVmaLock,
}
