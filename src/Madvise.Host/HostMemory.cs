using System.Globalization;
using System.Runtime.InteropServices;
using Madvise.Abi;

namespace Madvise.Host;

/// <summary>
/// The calling process's memory on the host kernel: mmap, munmap, mprotect, mlock, munlock,
/// madvise, mincore, process_madvise and process_vm_readv/writev.
/// </summary>
/// <remarks>
/// Each call comes in two forms, after dotnet/runtime's <c>Interop.CheckIo</c>: one that throws
/// <see cref="MadviseException"/> (keeping the errno), and a <c>Try…</c> form that returns false
/// with the errno and allocates nothing, for hot loops.
/// </remarks>
public static class HostMemory
{
    /// <summary>mmap(2). <paramref name="file"/> null maps no file (use MAP_ANONYMOUS).</summary>
    public static nint Mmap(nint address, nuint length, int prot, int flags, SafeHandle? file = null, long offset = 0)
    {
        if (!TryMmap(address, length, prot, flags, file, offset, out var mapped, out var errno))
        {
            throw Interop.GetExceptionForIoErrno(errno, Describe("mmap", address, length, prot, flags));
        }

        return mapped;
    }

    /// <summary>mmap(2) without throwing.</summary>
    public static bool TryMmap(nint address, nuint length, int prot, int flags, SafeHandle? file, long offset, out nint mapped, out int errno)
    {
        var added = false;
        try
        {
            file?.DangerousAddRef(ref added);
            var fd = file is null ? -1 : (int)file.DangerousGetHandle();
            var r = HostSyscalls.Mmap((ulong)address, length, prot, flags, fd, unchecked((ulong)offset));
            mapped = r < 0 ? 0 : (nint)r;
            return Succeeded(r, out errno);
        }
        finally
        {
            if (added)
            {
                file!.DangerousRelease();
            }
        }
    }

    /// <summary>munmap(2).</summary>
    public static void Munmap(nint address, nuint length)
    {
        if (!TryMunmap(address, length, out var errno))
        {
            throw Interop.GetExceptionForIoErrno(errno, Describe("munmap", address, length));
        }
    }

    /// <summary>munmap(2) without throwing.</summary>
    public static bool TryMunmap(nint address, nuint length, out int errno) =>
        Succeeded(HostSyscalls.Munmap((ulong)address, length), out errno);

    /// <summary>mprotect(2).</summary>
    public static void Mprotect(nint address, nuint length, int prot)
    {
        if (!TryMprotect(address, length, prot, out var errno))
        {
            throw Interop.GetExceptionForIoErrno(errno, Describe("mprotect", address, length, prot));
        }
    }

    /// <summary>mprotect(2) without throwing.</summary>
    public static bool TryMprotect(nint address, nuint length, int prot, out int errno) =>
        Succeeded(HostSyscalls.Mprotect((ulong)address, length, prot), out errno);

    /// <summary>mlock(2).</summary>
    public static void Mlock(nint address, nuint length)
    {
        if (!TryMlock(address, length, out var errno))
        {
            throw Interop.GetExceptionForIoErrno(errno, Describe("mlock", address, length));
        }
    }

    /// <summary>mlock(2) without throwing.</summary>
    public static bool TryMlock(nint address, nuint length, out int errno) =>
        Succeeded(HostSyscalls.Mlock((ulong)address, length), out errno);

    /// <summary>munlock(2).</summary>
    public static void Munlock(nint address, nuint length)
    {
        if (!TryMunlock(address, length, out var errno))
        {
            throw Interop.GetExceptionForIoErrno(errno, Describe("munlock", address, length));
        }
    }

    /// <summary>munlock(2) without throwing.</summary>
    public static bool TryMunlock(nint address, nuint length, out int errno) =>
        Succeeded(HostSyscalls.Munlock((ulong)address, length), out errno);

    /// <summary>madvise(2); behaviour numbers are in <see cref="MemoryAdvice"/>.</summary>
    public static void Madvise(nint address, nuint length, MemoryAdvice advice)
    {
        if (!TryMadvise(address, length, advice, out var errno))
        {
            throw Interop.GetExceptionForIoErrno(errno, Describe("madvise", address, length, (int)advice));
        }
    }

    /// <summary>madvise(2) without throwing.</summary>
    public static bool TryMadvise(nint address, nuint length, MemoryAdvice advice, out int errno) =>
        Succeeded(HostSyscalls.Madvise((ulong)address, length, advice), out errno);

    /// <summary>mincore(2): one byte per page into <paramref name="residency"/> (bit 0 = resident).</summary>
    /// <exception cref="ArgumentException"><paramref name="residency"/> has fewer bytes than the range has pages.</exception>
    public static void Mincore(nint address, nuint length, Span<byte> residency)
    {
        if (!TryMincore(address, length, residency, out var errno))
        {
            throw Interop.GetExceptionForIoErrno(errno, Describe("mincore", address, length));
        }
    }

    /// <summary>mincore(2) without throwing (a too-short vector still throws: it is a caller bug, not a kernel answer).</summary>
    public static bool TryMincore(nint address, nuint length, Span<byte> residency, out int errno) =>
        Succeeded(HostSyscalls.Mincore((ulong)address, length, residency), out errno);

    /// <summary>process_madvise(2) on the process <paramref name="pidfd"/> names.</summary>
    /// <returns>Bytes advised: the sum of the lengths of the ranges that succeeded before the first failure.</returns>
    public static long ProcessMadvise(SafePidfdHandle pidfd, ReadOnlySpan<IoVec> ranges, MemoryAdvice advice, uint flags = 0)
    {
        ArgumentNullException.ThrowIfNull(pidfd);
        if (!TryProcessMadvise(pidfd, ranges, advice, flags, out var advised, out var errno))
        {
            throw Interop.GetExceptionForIoErrno(errno, string.Create(CultureInfo.InvariantCulture, $"process_madvise({pidfd.Fd}, [{ranges.Length} ranges], {advice}, {flags})"));
        }

        return advised;
    }

    /// <summary>process_madvise(2) without throwing.</summary>
    public static bool TryProcessMadvise(SafePidfdHandle pidfd, ReadOnlySpan<IoVec> ranges, MemoryAdvice advice, uint flags, out long advised, out int errno)
    {
        ArgumentNullException.ThrowIfNull(pidfd);
        var added = false;
        try
        {
            pidfd.DangerousAddRef(ref added);
            return TryProcessMadvise(pidfd.Fd, ranges, advice, flags, out advised, out errno);
        }
        finally
        {
            if (added)
            {
                pidfd.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// process_madvise(2) with a raw pidfd number, which may be a sentinel:
    /// <see cref="PidfdConstants.PIDFD_SELF_THREAD"/> or <see cref="PidfdConstants.PIDFD_SELF_THREAD_GROUP"/> (Linux 6.15+).
    /// </summary>
    public static bool TryProcessMadvise(int pidfd, ReadOnlySpan<IoVec> ranges, MemoryAdvice advice, uint flags, out long advised, out int errno)
    {
        var r = HostSyscalls.ProcessMadvise(pidfd, ranges, advice, flags);
        advised = r < 0 ? 0 : r;
        return Succeeded(r, out errno);
    }

    /// <summary>process_vm_readv(2) of one range of process <paramref name="pid"/>.</summary>
    /// <returns>Bytes read; fewer than requested when a page in the range cannot be read.</returns>
    public static long ProcessVmReadv(int pid, nint remote, Span<byte> into)
    {
        if (!TryProcessVmReadv(pid, remote, into, out var bytes, out var errno))
        {
            throw Interop.GetExceptionForIoErrno(errno, Describe("process_vm_readv", remote, (nuint)into.Length));
        }

        return bytes;
    }

    /// <summary>process_vm_readv(2) without throwing; an unreadable first page is EFAULT, never a signal.</summary>
    public static bool TryProcessVmReadv(int pid, nint remote, Span<byte> into, out long bytes, out int errno)
    {
        var r = HostSyscalls.ProcessVmReadv(pid, (ulong)remote, into);
        bytes = r < 0 ? 0 : r;
        return Succeeded(r, out errno);
    }

    /// <summary>process_vm_writev(2) of one range of process <paramref name="pid"/>.</summary>
    /// <returns>Bytes written; fewer than requested when a page in the range cannot be written.</returns>
    public static long ProcessVmWritev(int pid, nint remote, ReadOnlySpan<byte> from)
    {
        if (!TryProcessVmWritev(pid, remote, from, out var bytes, out var errno))
        {
            throw Interop.GetExceptionForIoErrno(errno, Describe("process_vm_writev", remote, (nuint)from.Length));
        }

        return bytes;
    }

    /// <summary>process_vm_writev(2) without throwing.</summary>
    public static bool TryProcessVmWritev(int pid, nint remote, ReadOnlySpan<byte> from, out long bytes, out int errno)
    {
        var r = HostSyscalls.ProcessVmWritev(pid, (ulong)remote, from);
        bytes = r < 0 ? 0 : r;
        return Succeeded(r, out errno);
    }

    private static bool Succeeded(long result, out int errno)
    {
        errno = result < 0 ? (int)-result : 0;
        return result >= 0;
    }

    private static string Describe(string call, nint address, nuint length) =>
        string.Create(CultureInfo.InvariantCulture, $"{call}(0x{(ulong)address:x}, {length})");

    private static string Describe(string call, nint address, nuint length, int arg) =>
        string.Create(CultureInfo.InvariantCulture, $"{call}(0x{(ulong)address:x}, {length}, {arg})");

    private static string Describe(string call, nint address, nuint length, int prot, int flags) =>
        string.Create(CultureInfo.InvariantCulture, $"{call}(0x{(ulong)address:x}, {length}, {prot}, 0x{flags:x})");
}
