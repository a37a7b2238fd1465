using Madvise.Abi;
using Madvise.Kernel.Tasks;

namespace Madvise.Kernel.Syscalls;

public static partial class Sys
{
    /// <summary>Pages of results one mmap_lock hold produces: a page of vector (Linux's temporary page).</summary>
    private const int MincoreBatch = (int)PageSize.PAGE_SIZE;

    /// <summary>
    /// mincore(2) (Linux: mm/mincore.c), writing one byte per page of [addr, addr+length) into
    /// the caller's vector, of which <paramref name="vec"/> is the writable beginning: the vector
    /// is ceil(length / 4096) bytes, and bytes past <paramref name="vec"/>'s end cannot be written
    /// (as if that part of the vector were unmapped).
    /// </summary>
    /// <remarks>
    /// As Linux: the address is checked (-EINVAL unaligned, -ENOMEM beyond the user limit), then the
    /// range is walked a page of vector (4096 pages) at a time, each batch under the mmap read lock
    /// and at most one VMA long; a batch that meets a hole fails the call with -ENOMEM, and a batch
    /// whose results do not fit in the writable vector fails it with -EFAULT after the bytes that
    /// fit were written. The results of earlier batches stay written either way. The model's
    /// vector has no address, so Linux's access_ok() test of it always passes.
    /// </remarks>
    /// <returns>0, or a negative errno.</returns>
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

        if (GetMm(task) is not { } mm)
        {
            return TaskGone;
        }

        try
        {
            var pages = (length >> PageSize.PAGE_SHIFT) + ((length & (PageSize.PAGE_SIZE - 1)) != 0 ? 1UL : 0UL);
            Span<byte> batch = stackalloc byte[MincoreBatch];
            while (pages > 0)
            {
                var done = mm.Mincore(addr, batch[..(int)Math.Min(pages, MincoreBatch)], task.Cred);
                if (done < 0)
                {
                    return done;
                }

                // copy_to_user(): the bytes that fit are written, the rest faults.
                var fits = (int)Math.Min(done, vec.Length);
                batch[..fits].CopyTo(vec);
                if (fits < done)
                {
                    return -Errno.EFAULT;
                }

                vec = vec[fits..];
                pages -= (ulong)done;
                addr += (ulong)done << PageSize.PAGE_SHIFT;
            }

            return 0;
        }
        catch (Exception ex)
        {
            return Oops(task, "mincore", ex);
        }
        finally
        {
            PutMm(task, mm, "mincore");
        }
    }
}
