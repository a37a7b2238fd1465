using System.Runtime.InteropServices;
using Madvise.Abi;

namespace Madvise.Host;

/// <summary>
/// The raw layer over the host kernel: every call returns a value or a negative errno as a
/// <c>long</c>, never throws for anything the kernel can answer, and never raises a signal.
/// </summary>
/// <remarks>
/// This is the layer the public API (<see cref="HostMemory"/>, <see cref="MappedRegion"/>,
/// <see cref="AdviceBatcher"/>) is built on; the scenario harness has its own. Addresses and lengths are 64-bit
/// unsigned so that the wrapping arithmetic of scenario files reaches the kernel unchanged.
/// </remarks>
internal static unsafe partial class HostSyscalls
{
    /// <summary>The negative errno of the last failed P/Invoke on this thread.</summary>
    internal static long LastError() => -(long)Marshal.GetLastPInvokeError();

    /// <summary>Maps a C result (-1 = failure) to a value or a negative errno.</summary>
    private static long Result(long r) => r == -1 ? LastError() : r;

    /// <summary>mmap(2); returns the mapped address (always below 2^63 for user space) or a negative errno.</summary>
    internal static long Mmap(ulong addr, ulong length, int prot, int flags, int fd, ulong offset)
    {
        var p = Interop.Libc.MMap((void*)addr, (nuint)length, prot, flags, fd, unchecked((long)offset));
        return (nint)p == Interop.Libc.MAP_FAILED ? LastError() : (long)(nint)p;
    }

    /// <summary>munmap(2).</summary>
    internal static long Munmap(ulong addr, ulong length) => Result(Interop.Libc.MUnmap((void*)addr, (nuint)length));

    /// <summary>mprotect(2).</summary>
    internal static long Mprotect(ulong addr, ulong length, int prot) => Result(Interop.Libc.MProtect((void*)addr, (nuint)length, prot));

    /// <summary>mlock(2).</summary>
    internal static long Mlock(ulong addr, ulong length) => Result(Interop.Libc.MLock((void*)addr, (nuint)length));

    /// <summary>munlock(2).</summary>
    internal static long Munlock(ulong addr, ulong length) => Result(Interop.Libc.MUnlock((void*)addr, (nuint)length));

    /// <summary>madvise(2).</summary>
    internal static long Madvise(ulong addr, ulong length, MemoryAdvice advice) => Result(Interop.Libc.MAdvise((void*)addr, (nuint)length, (int)advice));

    /// <summary>Bytes of mincore output for <paramref name="length"/>: one per page, the last page possibly partial.</summary>
    internal static ulong MincorePages(ulong length) => (length >> PageSize.PAGE_SHIFT) + ((length & (PageSize.PAGE_SIZE - 1)) != 0 ? 1UL : 0UL);

    /// <summary>mincore(2) into <paramref name="vec"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="vec"/> is shorter than one byte per page: the kernel would write past it.</exception>
    internal static long Mincore(ulong addr, ulong length, Span<byte> vec)
    {
        if (MincorePages(length) > (ulong)vec.Length)
        {
            throw new ArgumentException($"mincore of {length} bytes needs {MincorePages(length)} vector bytes, got {vec.Length}.", nameof(vec));
        }

        fixed (byte* v = vec)
        {
            return Result(Interop.Libc.MinCore((void*)addr, (nuint)length, v));
        }
    }

    /// <summary>process_madvise(2) with an iovec array at any address of this process (0 = NULL).</summary>
    internal static long ProcessMadvise(long pidfd, ulong iovecAddress, ulong vlen, MemoryAdvice advice, ulong flags) =>
        Result(Interop.Libc.ProcessMadvise(pidfd, iovecAddress, vlen, (int)advice, flags));

    /// <summary>process_madvise(2) with <paramref name="vector"/> as the iovec array (pinned for the call; NULL when empty).</summary>
    internal static long ProcessMadvise(long pidfd, ReadOnlySpan<IoVec> vector, MemoryAdvice advice, ulong flags)
    {
        fixed (IoVec* v = vector)
        {
            return ProcessMadvise(pidfd, (ulong)v, (ulong)vector.Length, advice, flags);
        }
    }

    /// <summary>process_vm_readv(2) of one remote range into <paramref name="into"/>; bytes copied (short on a fault) or a negative errno.</summary>
    internal static long ProcessVmReadv(int pid, ulong remote, Span<byte> into)
    {
        fixed (byte* l = into)
        {
            var local = new Interop.IoVec { Base = l, Length = (nuint)into.Length };
            var rem = new Interop.IoVec { Base = (void*)remote, Length = (nuint)into.Length };
            return Result(Interop.Libc.ProcessVmReadv(pid, &local, 1, &rem, 1, 0));
        }
    }

    /// <summary>process_vm_writev(2) of <paramref name="from"/> into one remote range; bytes copied (short on a fault) or a negative errno.</summary>
    internal static long ProcessVmWritev(int pid, ulong remote, ReadOnlySpan<byte> from)
    {
        fixed (byte* l = from)
        {
            var local = new Interop.IoVec { Base = l, Length = (nuint)from.Length };
            var rem = new Interop.IoVec { Base = (void*)remote, Length = (nuint)from.Length };
            return Result(Interop.Libc.ProcessVmWritev(pid, &local, 1, &rem, 1, 0));
        }
    }

    /// <summary>close(2).</summary>
    internal static long Close(int fd) => Result(Interop.Libc.Close(fd));

    /// <summary>getpid(2).</summary>
    internal static int GetPid() => Interop.Libc.GetPid();
}
