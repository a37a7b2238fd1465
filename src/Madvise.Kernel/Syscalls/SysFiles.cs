using Madvise.Abi;
using Madvise.Kernel.Fs;
using Madvise.Kernel.Tasks;

namespace Madvise.Kernel.Syscalls;

public static partial class Sys
{
    /// <summary>
    /// Creates a file of <paramref name="length"/> bytes, each <paramref name="fill"/>, opened
    /// read-write in the task: a regular file (open + write + fsync + unlink: all pages in the
    /// page cache, clean) or, with <paramref name="memfd"/>, a memfd (memfd_create + write).
    /// </summary>
    /// <returns>The descriptor, or a negative errno.</returns>
    public static long CreateFile(TaskStruct task, ulong length, byte fill, bool memfd)
    {
        if (task.HasExited)
        {
            return TaskGone;
        }

        try
        {
            var inode = task.Kernel.CreateInode(length, fill, memfd, task.Cred.Uid);
            var error = Filemap.Populate(task.Kernel, inode, fill);
            if (error != 0)
            {
                // Nothing refers to the file yet: the pages written so far go back.
                inode.ReleaseIfUnused();
                return error;
            }

            var fd = task.Files.Install(new OpenFile(inode, canRead: true, canWrite: true));
            if (fd < 0)
            {
                // The task exited meanwhile: nothing refers to the file.
                inode.ReleaseIfUnused();
                return TaskGone;
            }

            return fd;
        }
        catch (Exception ex)
        {
            return Oops(task, "file", ex);
        }
    }

    /// <summary>
    /// Opens the file behind <paramref name="fd"/> again with another access mode (as
    /// open("/proc/self/fd/N", mode) would), e.g. read-only to test EACCES paths.
    /// </summary>
    public static long ReopenFile(TaskStruct task, long fd, bool canRead, bool canWrite)
    {
        try
        {
            switch (task.Files.GetFile(fd))
            {
                case OpenFile file:
                    try
                    {
                        var newFd = task.Files.Install(new OpenFile(file.Inode, canRead, canWrite));
                        return newFd < 0 ? TaskGone : newFd;
                    }
                    finally
                    {
                        file.Inode.Put();
                    }

                default:
                    return -Errno.EBADF;
            }
        }
        catch (Exception ex)
        {
            return Oops(task, "open", ex);
        }
    }

    /// <summary>close(2).</summary>
    public static long Close(TaskStruct task, long fd)
    {
        try
        {
            return fd is >= 0 and <= int.MaxValue && task.Files.Close((int)fd) ? 0 : -Errno.EBADF;
        }
        catch (Exception ex)
        {
            return Oops(task, "close", ex);
        }
    }
}
