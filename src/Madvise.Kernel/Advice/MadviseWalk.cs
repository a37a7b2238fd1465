using Madvise.Abi;
using Madvise.Kernel.Mm.Vmas;
using static Madvise.Abi.MemoryAdvice;

namespace Madvise.Kernel.Advice;

// Linux: mm/madvise.c madvise_do_behavior(), madvise_walk_vmas(), madvise_vma_behavior() —
// the behaviour execution the series split out of do_madvise().
internal static partial class MadviseCore
{
    /// <summary>
    /// madvise_do_behavior(): runs the behaviour over [start, start + PAGE_ALIGN(lenIn)) with the
    /// lock of <see cref="Lock"/> held: memory-failure injection, POPULATE as one range, or the VMA walk.
    /// </summary>
    /// <remarks>
    /// Preconditions: the lock of <c>b.LockMode</c> is held: mmap_lock for writing (flag changes,
    /// KSM), for reading (REMOVE, WILLNEED, COLD, PAGEOUT, POPULATE, COLLAPSE, GUARD; DONTNEED
    /// and FREE before PerVmaLock), none yet in VmaRead mode (the walk takes the VMA lock), none
    /// at all for HWPOISON/SOFT_OFFLINE with memory-failure support.
    /// </remarks>
    public static long DoBehavior(ulong start, ulong lenIn, MadviseBehavior b)
    {
        if (b.Behavior is MADV_HWPOISON or MADV_SOFT_OFFLINE)
        {
            // Memory failure works on the unrounded range.
            b.Start = start;
            b.End = start + lenIn;
            return MemoryFailure.Inject(b);
        }

        // No LAM in the model: untagging is the identity.
        b.Start = start;
        b.End = start + PageSize.PageAlign(lenIn);
        return b.Behavior is MADV_POPULATE_READ or MADV_POPULATE_WRITE ? Populate.Run(b) : WalkVmas(b);
    }

    /// <summary>
    /// madvise_walk_vmas(): applies the behaviour to every VMA piece of the range. Holes are
    /// skipped but reported as -ENOMEM at the end; the first VMA that fails stops the walk and its
    /// error wins.
    /// </summary>
    /// <remarks>
    /// Preconditions: mmap_lock held in the mode of <c>b.LockMode</c> (read or write), or
    /// <c>b.LockMode</c> is VmaRead and nothing is held yet: then the walk either read-locks the
    /// one VMA that holds the range and releases it before returning, or takes the mmap_lock for
    /// reading and switches <c>b.LockMode</c> to MmapRead for good (the caller unlocks it).
    /// A behaviour may drop the mmap read lock (<c>b.LockDropped</c>); the walk takes it again
    /// before the next VMA.
    /// </remarks>
    public static long WalkVmas(MadviseBehavior b)
    {
        var mm = b.Mm;
        var lastEnd = b.End;
        long unmappedError = 0;

        if (b.LockMode == MadviseLockMode.VmaRead && TryVmaReadLock(b))
        {
            var locked = b.Vma!;
            try
            {
                mm.Kernel.Faults.At(FaultPoint.MadviseVmaLocked);
                return VmaBehavior(b);
            }
            finally
            {
                locked.Lock.EndRead();
            }
        }

        var vma = mm.Vmas.Find(b.Start);
        while (true)
        {
            if (vma is null)
            {
                return -Errno.ENOMEM;
            }

            if (b.Start < vma.Start)
            {
                unmappedError = -Errno.ENOMEM;
                b.Start = vma.Start;
                if (b.Start >= lastEnd)
                {
                    break;
                }
            }

            b.End = Math.Min(vma.End, lastEnd);
            b.Vma = vma;
            mm.Kernel.Faults.At(FaultPoint.MadviseReadLocked);
            var error = VmaBehavior(b);
            if (error != 0)
            {
                return error;
            }

            if (b.LockDropped)
            {
                // The mmap_lock was dropped: the VMA may be gone. Look up again from the end.
                vma = null;
                b.LockDropped = false;
            }
            else
            {
                vma = b.Vma;
            }

            if (vma is not null && b.End < vma.End)
            {
                b.End = vma.End;
            }

            if (b.End >= lastEnd)
            {
                break;
            }

            vma = mm.Vmas.Find(vma is not null ? vma.End : b.End);
            b.Start = b.End;
        }

        return unmappedError;
    }

    /// <summary>
    /// try_vma_read_lock(): the per-VMA fast path. Succeeds when one VMA of the caller's own mm
    /// contains the whole range and its read lock is free; otherwise takes the mmap read lock and
    /// switches the call to mmap-read mode for good (for a vector: every remaining range).
    /// </summary>
    /// <remarks>Preconditions: no lock of <c>b.Mm</c> held; on return either <c>b.Vma</c>'s read lock or the mmap read lock is.</remarks>
    private static bool TryVmaReadLock(MadviseBehavior b)
    {
        var mm = b.Mm;
        if (!b.IsRemote)
        {
            // lock_vma_under_rcu(): search a snapshot with no lock, lock the VMA, re-check it.
            var vma = mm.Vmas.Snapshot.FindContaining(b.Start);
            if (vma is not null && vma.Lock.TryRead())
            {
                if (vma.Start <= b.Start && b.Start < vma.End && b.End <= vma.End)
                {
                    b.Vma = vma;
                    return true;
                }

                vma.Lock.EndRead();
            }
        }

        b.LockToken = mm.ReadLock();
        b.LockMode = MadviseLockMode.MmapRead;
        return false;
    }

    /// <summary>madvise_vma_behavior(): applies the behaviour to [Start, End) of <see cref="MadviseBehavior.Vma"/>.</summary>
    /// <remarks>
    /// Preconditions: the lock of <c>b.LockMode</c> is held (asserted here): mmap_lock for writing
    /// for the flag changes (they split and merge VMAs), for reading or the VMA's read lock for
    /// the page-level behaviours, which never change the VMA tree.
    /// </remarks>
    private static long VmaBehavior(MadviseBehavior b)
    {
        AssertLockHeld(b);
        var vma = b.Vma!;
        if (!CanModify(b))
        {
            return -Errno.EPERM;
        }

        var newFlags = vma.Flags & ~VmFlags.VM_GUARD_INSTALLED;
        long error = 0;
        switch (b.Behavior)
        {
            case MADV_REMOVE:
                return Remove.Run(b);
            case MADV_WILLNEED:
                return WillNeed.Run(b);
            case MADV_COLD:
                return ColdPageout.Cold(b);
            case MADV_PAGEOUT:
                return ColdPageout.Pageout(b);
            case MADV_FREE:
            case MADV_DONTNEED:
            case MADV_DONTNEED_LOCKED:
                return DontNeedFree.Run(b);
            case MADV_COLLAPSE:
                return Collapse.Run(b);
            case MADV_GUARD_INSTALL:
                return Guard.Install(b);
            case MADV_GUARD_REMOVE:
                return Guard.Remove(b);
            case MADV_NORMAL:
                newFlags &= ~(VmFlags.VM_RAND_READ | VmFlags.VM_SEQ_READ);
                break;
            case MADV_SEQUENTIAL:
                newFlags = (newFlags & ~VmFlags.VM_RAND_READ) | VmFlags.VM_SEQ_READ;
                break;
            case MADV_RANDOM:
                newFlags = (newFlags & ~VmFlags.VM_SEQ_READ) | VmFlags.VM_RAND_READ;
                break;
            case MADV_DONTFORK:
                newFlags |= VmFlags.VM_DONTCOPY;
                break;
            case MADV_DOFORK:
                if ((newFlags & VmFlags.VM_IO) != 0)
                {
                    return -Errno.EINVAL;
                }

                newFlags &= ~VmFlags.VM_DONTCOPY;
                break;
            case MADV_WIPEONFORK:
                // Only private anonymous memory can be wiped in the child.
                if (vma.File is not null || (newFlags & VmFlags.VM_SHARED) != 0)
                {
                    return -Errno.EINVAL;
                }

                newFlags |= VmFlags.VM_WIPEONFORK;
                break;
            case MADV_KEEPONFORK:
                if ((newFlags & VmFlags.VM_DROPPABLE) != 0)
                {
                    return -Errno.EINVAL;
                }

                newFlags &= ~VmFlags.VM_WIPEONFORK;
                break;
            case MADV_DONTDUMP:
                newFlags |= VmFlags.VM_DONTDUMP;
                break;
            case MADV_DODUMP:
                if (((newFlags & VmFlags.VM_HUGETLB) == 0 && (newFlags & VmFlags.VM_SPECIAL) != 0) || (newFlags & VmFlags.VM_DROPPABLE) != 0)
                {
                    return -Errno.EINVAL;
                }

                newFlags &= ~VmFlags.VM_DONTDUMP;
                break;
            case MADV_MERGEABLE:
            case MADV_UNMERGEABLE:
                error = Ksm.Madvise(b, ref newFlags);
                break;
            case MADV_HUGEPAGE:
                newFlags = (newFlags & ~VmFlags.VM_NOHUGEPAGE) | VmFlags.VM_HUGEPAGE;
                break;
            case MADV_NOHUGEPAGE:
                newFlags = (newFlags & ~VmFlags.VM_HUGEPAGE) | VmFlags.VM_NOHUGEPAGE;
                break;
        }

        if (error == 0)
        {
            b.Mm.MmapLock.AssertWriteLocked();
            error = UpdateVma(newFlags, b);
        }

        // "madvise() returns EAGAIN if kernel resources, such as slab, are temporarily unavailable."
        return error == -Errno.ENOMEM ? -Errno.EAGAIN : error;
    }

    /// <summary>madvise_update_vma(): gives [Start, End) the new flags, splitting or merging.</summary>
    /// <remarks>Preconditions: mmap_lock held for writing (asserted by the caller).</remarks>
    private static long UpdateVma(VmFlags newFlags, MadviseBehavior b)
    {
        var vma = b.Vma!;
        if (newFlags == (vma.Flags & ~VmFlags.VM_GUARD_INSTALLED))
        {
            return 0;
        }

        var modified = b.Mm.VmaModifyFlags(vma, b.Start, b.End, newFlags, out var error);
        if (modified is null)
        {
            return error;
        }

        b.Vma = modified;
        return 0;
    }

    /// <summary>
    /// can_madvise_modify(): a sealed VMA refuses behaviours that discard data when it is
    /// anonymous and not writable.
    /// </summary>
    /// <remarks>Preconditions: the lock of <c>b.LockMode</c> is held (the VMA's flags are stable).</remarks>
    private static bool CanModify(MadviseBehavior b)
    {
        var vma = b.Vma!;
        if ((vma.Flags & VmFlags.VM_SEALED) == 0)
        {
            return true;
        }

        var discard = b.Behavior is MADV_FREE or MADV_DONTNEED or MADV_DONTNEED_LOCKED or MADV_REMOVE
            or MADV_DONTFORK or MADV_WIPEONFORK or MADV_GUARD_INSTALL;
        return !discard || !vma.IsAnonymous || (vma.Flags & VmFlags.VM_WRITE) != 0;
    }
}
