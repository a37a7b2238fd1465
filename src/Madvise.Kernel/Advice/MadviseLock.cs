using Madvise.Abi;
using Madvise.Kernel.Mm.Tlb;
using static Madvise.Abi.MemoryAdvice;

namespace Madvise.Kernel.Advice;

// Linux: mm/madvise.c get_lock_mode(), madvise_lock(), madvise_unlock(), madvise_init_tlb() —
// the first of the pieces the series split do_madvise() into.
internal static partial class MadviseCore
{
    /// <summary>get_lock_mode(): the lock <paramref name="b"/>'s behaviour needs under the kernel's profile.</summary>
    /// <remarks>Preconditions: none (no lock is held; it decides which one to take).</remarks>
    public static MadviseLockMode GetLockMode(MadviseBehavior b)
    {
        switch (b.Behavior)
        {
            case MADV_HWPOISON:
            case MADV_SOFT_OFFLINE:
                return b.Mm.Kernel.Config.MemoryFailure ? MadviseLockMode.None : MadviseLockMode.MmapWrite;
            case MADV_REMOVE:
            case MADV_WILLNEED:
            case MADV_COLD:
            case MADV_PAGEOUT:
            case MADV_POPULATE_READ:
            case MADV_POPULATE_WRITE:
            case MADV_COLLAPSE:
            case MADV_GUARD_INSTALL:
            case MADV_GUARD_REMOVE:
                return MadviseLockMode.MmapRead;
            case MADV_DONTNEED:
            case MADV_DONTNEED_LOCKED:
            case MADV_FREE:
                // Per-VMA locking for these arrived after the series (6.17/6.18).
                return b.Profile == KernelProfile.PerVmaLock ? MadviseLockMode.VmaRead : MadviseLockMode.MmapRead;
            default:
                // Flag changes — and any unknown value — take the write lock.
                return MadviseLockMode.MmapWrite;
        }
    }

    /// <summary>madvise_lock(): takes the lock of <see cref="GetLockMode"/>. Returns 0, or -EINTR when a fatal signal interrupts a write-lock wait.</summary>
    /// <remarks>Preconditions: no lock of <c>b.Mm</c> is held by the caller.</remarks>
    public static long Lock(MadviseBehavior b)
    {
        var mode = GetLockMode(b);
        switch (mode)
        {
            case MadviseLockMode.MmapWrite:
                if (b.Mm.WriteLockKillable(b.Current.FatalSignal, out var token) != 0)
                {
                    return -Errno.EINTR;
                }

                b.LockToken = token;
                break;
            case MadviseLockMode.MmapRead:
                b.LockToken = b.Mm.ReadLock();
                break;
            default:
                // None, or VmaRead: the walk locks each VMA itself.
                break;
        }

        b.LockMode = mode;
        return 0;
    }

    /// <summary>madvise_unlock(): releases what is held and resets the mode.</summary>
    /// <remarks>Preconditions: the lock of <c>b.LockMode</c> is held (mmap_lock for reading or writing; in VmaRead mode nothing, the walk released the VMA lock).</remarks>
    public static void Unlock(MadviseBehavior b)
    {
        switch (b.LockMode)
        {
            case MadviseLockMode.MmapWrite:
                b.Mm.WriteUnlock(b.LockToken);
                break;
            case MadviseLockMode.MmapRead:
                b.Mm.ReadUnlock(b.LockToken);
                break;
            default:
                break;
        }

        b.LockMode = MadviseLockMode.None;
    }

    /// <summary>
    /// Throws unless the lock of <c>b.LockMode</c> is held: the mmap_lock for writing
    /// (MmapWrite), in either mode (MmapRead), or the read lock of <c>b.Vma</c> (VmaRead). Called
    /// at the top of the per-VMA dispatch (Linux: mmap_assert_locked / vma_assert_locked in
    /// madvise_vma_behavior()); one volatile read, always on.
    /// </summary>
    public static void AssertLockHeld(MadviseBehavior b)
    {
        switch (b.LockMode)
        {
            case MadviseLockMode.MmapWrite:
                b.Mm.MmapLock.AssertWriteLocked();
                break;
            case MadviseLockMode.MmapRead:
                b.Mm.MmapLock.AssertLocked();
                break;
            case MadviseLockMode.VmaRead:
                b.Vma!.Lock.AssertReadLocked();
                break;
            default:
                throw new InvalidOperationException($"madvise {b.Behavior} reached a VMA with no lock held.");
        }
    }

    /// <summary>madvise_batch_tlb_flush(): behaviours whose zaps share one TLB batch per call (BatchedTlb and later).</summary>
    public static bool BatchTlbFlush(MadviseBehavior b) =>
        b.Profile >= KernelProfile.BatchedTlb && b.Behavior is MADV_DONTNEED or MADV_DONTNEED_LOCKED or MADV_FREE;

    /// <summary>madvise_init_tlb().</summary>
    /// <remarks>Preconditions: the lock of <c>b.LockMode</c> is held, or is about to be taken per VMA (VmaRead).</remarks>
    public static void InitTlb(MadviseBehavior b)
    {
        if (BatchTlbFlush(b))
        {
            b.Tlb = TlbGather.Rent(b.Mm);
        }
    }

    /// <summary>madvise_finish_tlb(): flushes the shared batch.</summary>
    /// <remarks>Preconditions: the lock of <c>b.LockMode</c> is still held (the flush happens before the unlock, as in Linux).</remarks>
    public static void FinishTlb(MadviseBehavior b)
    {
        if (b.Tlb is { } tlb)
        {
            TlbGather.Return(tlb);
            b.Tlb = null;
        }
    }

    /// <summary>
    /// Drops the mmap read lock around work that must not hold it (WILLNEED, REMOVE); the walk
    /// revalidates its VMA afterwards (<see cref="MadviseBehavior.LockDropped"/>). While dropped,
    /// the lock mode is None, so an unlock on the way out of an exception releases nothing twice.
    /// </summary>
    /// <remarks>Preconditions: mmap_lock held for reading (<c>b.LockMode</c> is MmapRead); on return it is not held.</remarks>
    public static void DropMmapReadLock(MadviseBehavior b)
    {
        b.LockDropped = true;
        b.LockMode = MadviseLockMode.None;
        b.Mm.ReadUnlock(b.LockToken);
    }

    /// <summary>Re-takes the mmap read lock dropped by <see cref="DropMmapReadLock"/>.</summary>
    /// <remarks>Preconditions: mmap_lock not held by the caller (dropped by <see cref="DropMmapReadLock"/>); on return it is held for reading.</remarks>
    public static void RetakeMmapReadLock(MadviseBehavior b)
    {
        b.LockToken = b.Mm.ReadLock();
        b.LockMode = MadviseLockMode.MmapRead;
    }
}
