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

    /// <summary>fallocate(PUNCH_HOLE | KEEP_SIZE) over whole pages [first, first + pages).</summary>
    internal static void PunchHole(SimulatedKernel kernel, Inode inode, ulong first, ulong pages)
    {
        var memory = kernel.Memory;
        var end = Math.Min(first + pages, inode.PageCount);
        for (var index = first; index < end; index++)
        {
            int pfn;
            using (inode.Cache.Lock.EnterScope())
            {
                inode.PunchLocked(index);
                if (!inode.Cache.TryGetLocked(index, out pfn))
                {
                    continue;
                }

                // unmap_mapping_range(): take the page out of every mapping, then the cache.
                Vmscan.TryUnmap(kernel, pfn, swapSlot: -1, UnmapMode.Force);
                inode.Cache.RemoveLocked(index);
            }

            kernel.Lru.Remove(pfn);
            memory.Put(pfn);
        }
    }
}
