using Madvise.Abi;
using Madvise.Kernel.Tasks;

namespace Madvise.Kernel.Syscalls;

public static partial class Sys
{
    /// <summary>
    /// mincore(2), writing the residency vector into <paramref name="vec"/> (a kernel-side
    /// buffer: the model does not place it in user memory). <paramref name="vec"/> must hold
    /// ceil(length / 4096) bytes; a shorter buffer gives -EFAULT, as an unwritable vector would.
    /// </summary>
    public static long Mincore(TaskStruct task, ulong addr, ulong length, Span<byte> vec)
    {
        if (!PageSize.IsAligned(addr))
        {
            return -Errno.EINVAL;
        }

        if (!PageSize.AccessOk(addr, length))
        {
            return -Errno.ENOMEM;
        }

        var pages = (length >> PageSize.PAGE_SHIFT) + ((length & (PageSize.PAGE_SIZE - 1)) != 0 ? 1UL : 0);
        if ((ulong)vec.Length < pages)
        {
            return -Errno.EFAULT;
        }

        if (CurrentMm(task) is not { } mm)
        {
            return TaskGone;
        }

        return pages == 0 ? 0 : mm.Mincore(addr, vec[..(int)pages], task.Cred);
    }
}
