using Madvise.Abi;
using Madvise.Kernel.Fs;
using Madvise.Kernel.Mm.Reclaim;
using Madvise.Kernel.Mm.Vmas;

namespace Madvise.Kernel.Advice;

/// <summary>MADV_REMOVE (Linux: mm/madvise.c madvise_remove()): punch a hole in the backing file.</summary>
internal static class Remove
{
    /// <summary>
    /// Checks the VMA (not locked; backed by a file; shared and writable-capable), then, with the
    /// mmap_lock dropped, punches the file range: its pages leave the page cache and every
    /// mapping of them (private copies elsewhere keep their data), and later reads see zeros.
    /// </summary>
    /// <remarks>Preconditions: mmap_lock held for reading; the range lies inside <c>b.Vma</c>. Drops the lock for the hole punch and takes it again (<c>b.LockDropped</c>).</remarks>
    public static long Run(MadviseBehavior b)
    {
        var vma = b.Vma!;
        if ((vma.Flags & VmFlags.VM_LOCKED) != 0)
        {
            return -Errno.EINVAL;
        }

        if (vma.File is not { } file)
        {
            return -Errno.EINVAL;
        }

        if ((vma.Flags & (VmFlags.VM_SHARED | VmFlags.VM_MAYWRITE)) != (VmFlags.VM_SHARED | VmFlags.VM_MAYWRITE))
        {
            return -Errno.EACCES;
        }

        var first = vma.PageIndex(b.Start);
        var pages = (b.End - b.Start) >> PageSize.PAGE_SHIFT;
        var kernel = b.Mm.Kernel;

        // get_file(): with the mmap_lock dropped the VMA may go, and with it the file's last
        // reference; the call's own keeps the file (and its page cache) alive until it is done.
        file.Inode.Get();
        MadviseCore.DropMmapReadLock(b);
        try
        {
            PunchHole(kernel, file.Inode, first, pages);
        }
        finally
        {
            file.Inode.Put();
            MadviseCore.RetakeMmapReadLock(b);
        }

        return 0;
    }

    /// <summary>Pages of shmem above which a punch visits the pages present instead of every index (256 MiB).</summary>
    private const ulong LongPunch = 1UL << 16;

    /// <summary>fallocate(PUNCH_HOLE | KEEP_SIZE) over whole pages [first, first + pages).</summary>
    /// <remarks>
    /// A regular file records every page of the range as a hole (its size is bounded by memory: all
    /// its pages were written through the page cache). A shmem file only loses the pages it has:
    /// a shared anonymous mapping of 64 TiB is a shmem file of 2^34 pages, and a long punch over it
    /// costs the pages present, as shmem_undo_range() does, not the length.
    /// </remarks>
    internal static void PunchHole(SimulatedKernel kernel, Inode inode, ulong first, ulong pages)
    {
        var end = first + pages < first ? inode.PageCount : Math.Min(first + pages, inode.PageCount);
        if (!inode.IsShmem || end - first <= LongPunch)
        {
            for (var index = first; index < end; index++)
            {
                PunchPage(kernel, inode, index);
            }

            return;
        }

        List<ulong> present;
        using (inode.Cache.Lock.EnterScope())
        {
            present = inode.ShmemIndicesLocked(first, end);
        }

        // A long punch looks at the pages present when it starts; one faulted in meanwhile stays
        // (Linux makes such faults wait for the punch, shmem_falloc: a racing fault is rare and
        // its outcome the caller's to lose either way).
        foreach (var index in present)
        {
            PunchPage(kernel, inode, index);
        }
    }

    /// <summary>Punches page <paramref name="index"/>: out of every mapping, the page cache and swap.</summary>
    private static void PunchPage(SimulatedKernel kernel, Inode inode, ulong index)
    {
        int pfn;
        using (inode.Cache.Lock.EnterScope())
        {
            inode.PunchLocked(index);
            if (!inode.Cache.TryGetLocked(index, out pfn))
            {
                return;
            }

            // unmap_mapping_range(): take the page out of every mapping, then the cache.
            Vmscan.TryUnmap(kernel, pfn, swapSlot: -1, UnmapMode.Force);
            inode.Cache.RemoveLocked(index);
        }

        kernel.Lru.Remove(pfn);
        kernel.Memory.Put(pfn);
    }
}
