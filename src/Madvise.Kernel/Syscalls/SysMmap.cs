using Madvise.Abi;
using Madvise.Kernel.Fs;
using Madvise.Kernel.Mm;
using Madvise.Kernel.Tasks;

namespace Madvise.Kernel.Syscalls;

public static partial class Sys
{
    /// <summary>
    /// mmap(2) (x86-64 sys_mmap → ksys_mmap_pgoff → vm_mmap_pgoff): maps memory and, for
    /// MAP_POPULATE or MAP_LOCKED, populates it after dropping the lock.
    /// </summary>
    /// <returns>The address, or a negative errno.</returns>
    /// <remarks>Flags above bit 31 are ignored (no Linux mmap flag lives there).</remarks>
    public static long Mmap(TaskStruct task, ulong addr, ulong length, ulong prot, ulong flags, long fd, ulong offset)
    {
        if ((offset & ~PageSize.PAGE_MASK) != 0)
        {
            return -Errno.EINVAL;
        }

        if (GetMm(task) is not { } mm)
        {
            return TaskGone;
        }

        try
        {
            return DoMmapSyscall(mm, task, addr, length, prot, flags, fd, offset);
        }
        catch (Exception ex)
        {
            return Oops(task, "mmap", ex);
        }
        finally
        {
            PutMm(task, mm, "mmap");
        }
    }

    /// <summary>ksys_mmap_pgoff(): the descriptor, then vm_mmap_pgoff().</summary>
    private static long DoMmapSyscall(MmStruct mm, TaskStruct task, ulong addr, ulong length, ulong prot, ulong flags, long fd, ulong offset)
    {
        var iflags = (int)(uint)flags;
        OpenFile? file = null;
        if ((iflags & MapFlags.MAP_ANONYMOUS) == 0)
        {
            // fget(): the reference keeps the file alive while the mapping is made, whatever
            // another thread does to the descriptor meanwhile; the new VMA takes its own.
            switch (task.Files.GetFile(fd))
            {
                case OpenFile f:
                    file = f;
                    break;
                case null:
                    return -Errno.EBADF;
                default:
                    // A pidfd has no mmap file operation (can_mmap_file fails).
                    return -Errno.ENODEV;
            }
        }
        else if ((iflags & MapFlags.MAP_HUGETLB) != 0)
        {
            // The model has no hugetlb pool (vm.nr_hugepages = 0): hugetlb_file_setup fails.
            return -Errno.ENOMEM;
        }

        try
        {
            return MmapFile(mm, task, addr, length, prot, iflags, file, offset);
        }
        finally
        {
            file?.Inode.Put();
        }
    }

    /// <summary>vm_mmap_pgoff() with the file (if any) held by the caller.</summary>
    private static long MmapFile(MmStruct mm, TaskStruct task, ulong addr, ulong length, ulong prot, int iflags, OpenFile? file, ulong offset)
    {
        if (mm.WriteLockKillable(task.FatalSignal, out var token) != 0)
        {
            return -Errno.EINTR;
        }

        long result;
        ulong populate;
        try
        {
            result = mm.DoMmap(addr, length, (int)(uint)prot, iflags, file, offset >> PageSize.PAGE_SHIFT, task.Cred, out populate);
        }
        finally
        {
            mm.WriteUnlock(token);
        }

        if (result >= 0 && populate != 0)
        {
            mm.MmPopulate((ulong)result, populate, ignoreErrors: true);
        }

        return result;
    }
}
