using Madvise.Abi;
using Madvise.Host;

namespace Madvise.Scenarios.Host;

/// <summary>
/// mincore(2) on the host with the vector contract of <see cref="ITargetTask.Mincore"/>: a vector
/// of one byte per page whose writable beginning is the caller's span.
/// </summary>
/// <remarks>
/// When the span holds the whole vector, the kernel writes into it directly. Otherwise the
/// vector must still be user memory of its full size for the kernel's access_ok() test, and must
/// fault where the span ends: the call reserves address space for the whole vector (PROT_NONE,
/// MAP_NORESERVE: no memory is committed) and makes only its first span-sized part writable,
/// placed so that it ends on a page boundary. The kernel fills that part and then answers
/// -EFAULT, or answers -ENOMEM at a hole, as it would for any such vector; nothing else in the
/// process can be written, because the rest of the reservation is PROT_NONE and belongs to no one.
/// A range longer than the user address limit needs no reservation: the kernel refuses it
/// (-ENOMEM, or -EINVAL for an unaligned start) before it looks at the vector.
/// </remarks>
internal static class HostMincore
{
    /// <summary>Runs mincore(2) into <paramref name="vec"/>; <see cref="TargetResult.NotSupported"/> when no address space is left for the vector.</summary>
    public static long Call(ulong addr, ulong length, Span<byte> vec)
    {
        var pages = HostSyscalls.MincorePages(length);
        if (pages <= (ulong)vec.Length)
        {
            return HostSyscalls.Mincore(addr, length, vec);
        }

        if (pages > HostKernel.UserAddressLimit >> PageSize.PAGE_SHIFT)
        {
            // length > the user limit: access_ok() of the range fails first. A NULL vector could
            // only make the kernel answer -EFAULT, never write.
            return HostSyscalls.Mincore(addr, length, 0UL);
        }

        var writable = PageSize.PageAlign((ulong)vec.Length);
        var pad = writable - (ulong)vec.Length;
        var reserved = PageSize.PageAlign(pad + pages);
        var r = HostSyscalls.Mmap(0, reserved, Prot.PROT_NONE, MapFlags.MAP_PRIVATE | MapFlags.MAP_ANONYMOUS | MapFlags.MAP_NORESERVE, -1, 0);
        if (Errno.IsErrorValue(r))
        {
            return TargetResult.NotSupported;
        }

        var reservation = (ulong)r;
        try
        {
            if (writable != 0 && HostSyscalls.Mprotect(reservation, writable, Prot.PROT_READ | Prot.PROT_WRITE) < 0)
            {
                return TargetResult.NotSupported;
            }

            var result = HostSyscalls.Mincore(addr, length, reservation + pad);
            if (vec.Length > 0 && HostSyscalls.ProcessVmReadv(HostSyscalls.GetPid(), reservation + pad, vec) != vec.Length)
            {
                throw new InvalidOperationException("mincore: the vector written by the kernel could not be read back");
            }

            return result;
        }
        finally
        {
            HostSyscalls.Munmap(reservation, reserved);
        }
    }
}
