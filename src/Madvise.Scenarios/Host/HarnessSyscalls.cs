using System.Runtime.InteropServices;
using Madvise.Host;
using Microsoft.Win32.SafeHandles;

namespace Madvise.Scenarios.Host;

/// <summary>
/// The raw layer the scenario harness (the host target and its agents) calls the host kernel
/// through: every call returns a value or a negative errno as a <c>long</c>, never throws for
/// anything the kernel can answer, and never raises a signal. Addresses and lengths are 64-bit
/// unsigned so that the wrapping arithmetic of scenario files reaches the kernel unchanged.
/// </summary>
/// <remarks>
/// Memory calls go through the host library's public <see cref="HostMemory"/> (its <c>Try…</c>
/// forms pass any address through as a bit pattern); what only a harness needs (process_madvise
/// with any iovec pointer and vlen, posix_spawn, socket pairs with SCM_RIGHTS, credentials,
/// prctl, waitpid, poll, CPU affinity, files) binds its own calls in Interop/, one file per
/// call, and links the few the host library also binds (see Madvise.Scenarios.csproj).
/// </remarks>
internal static unsafe partial class HarnessSyscalls
{
    /// <summary>SIGKILL.</summary>
    internal const int SIGKILL = Interop.Libc.SIGKILL;

    /// <summary>The negative errno of the last failed P/Invoke on this thread.</summary>
    internal static long LastError() => -(long)Marshal.GetLastPInvokeError();

    /// <summary>Maps a C result (-1 = failure) to a value or a negative errno.</summary>
    private static long Result(long r) => r == -1 ? LastError() : r;

    /// <summary>0, or the negative errno of a <c>Try…</c> call that failed.</summary>
    private static long Status(bool succeeded, int errno) => succeeded ? 0 : -errno;

    /// <summary>getpid(2).</summary>
    internal static int GetPid() => Environment.ProcessId;

    /// <summary>mmap(2) of descriptor <paramref name="fd"/> (-1: none); the mapped address or a negative errno.</summary>
    internal static long Mmap(ulong addr, ulong length, int prot, int flags, int fd, ulong offset)
    {
        using var file = fd < 0 ? null : new SafeFileHandle(fd, ownsHandle: false);
        return HostMemory.TryMmap((nint)addr, (nuint)length, prot, flags, file, unchecked((long)offset), out var mapped, out var errno)
            ? mapped
            : -errno;
    }

    /// <summary>munmap(2).</summary>
    internal static long Munmap(ulong addr, ulong length) => Status(HostMemory.TryMunmap((nint)addr, (nuint)length, out var errno), errno);

    /// <summary>mprotect(2).</summary>
    internal static long Mprotect(ulong addr, ulong length, int prot) => Status(HostMemory.TryMprotect((nint)addr, (nuint)length, prot, out var errno), errno);

    /// <summary>mlock(2).</summary>
    internal static long Mlock(ulong addr, ulong length) => Status(HostMemory.TryMlock((nint)addr, (nuint)length, out var errno), errno);

    /// <summary>munlock(2).</summary>
    internal static long Munlock(ulong addr, ulong length) => Status(HostMemory.TryMunlock((nint)addr, (nuint)length, out var errno), errno);

    /// <summary>madvise(2).</summary>
    internal static long Madvise(ulong addr, ulong length, MemoryAdvice advice) => Status(HostMemory.TryMadvise((nint)addr, (nuint)length, advice, out var errno), errno);

    /// <summary>Bytes of mincore output for <paramref name="length"/>: one per page, the last page possibly partial.</summary>
    internal static ulong MincorePages(ulong length) => (length >> PageSize.PAGE_SHIFT) + ((length & (PageSize.PAGE_SIZE - 1)) != 0 ? 1UL : 0UL);

    /// <summary>mincore(2) into <paramref name="vec"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="vec"/> is shorter than one byte per page: the kernel would write past it.</exception>
    internal static long Mincore(ulong addr, ulong length, Span<byte> vec) => Status(HostMemory.TryMincore((nint)addr, (nuint)length, vec, out var errno), errno);

    /// <summary>process_madvise(2) with an iovec array at any address of this process (0 = NULL) and any vlen.</summary>
    internal static long ProcessMadvise(long pidfd, ulong iovecAddress, ulong vlen, MemoryAdvice advice, ulong flags) =>
        Result(Interop.Libc.ProcessMadvise(pidfd, iovecAddress, vlen, (int)advice, flags));

    /// <summary>process_madvise(2) with <paramref name="vector"/> as the iovec array (pinned for the call; NULL when empty).</summary>
    internal static long ProcessMadvise(long pidfd, ReadOnlySpan<IoVec> vector, MemoryAdvice advice, ulong flags) =>
        ProcessMadvise(pidfd, vector, (ulong)vector.Length, advice, flags);

    /// <summary>
    /// process_madvise(2) with <paramref name="vector"/> as the iovec array (NULL when empty) and
    /// a vlen of its own, which may exceed the array (the kernel rejects vlen above UIO_MAXIOV
    /// before reading it).
    /// </summary>
    internal static long ProcessMadvise(long pidfd, ReadOnlySpan<IoVec> vector, ulong vlen, MemoryAdvice advice, ulong flags)
    {
        fixed (IoVec* v = vector)
        {
            return ProcessMadvise(pidfd, (ulong)v, vlen, advice, flags);
        }
    }

    /// <summary>process_vm_readv(2) of one remote range into <paramref name="into"/>; bytes copied (short on a fault) or a negative errno.</summary>
    internal static long ProcessVmReadv(int pid, ulong remote, Span<byte> into) =>
        HostMemory.TryProcessVmReadv(pid, (nint)remote, into, out var bytes, out var errno) ? bytes : -errno;

    /// <summary>process_vm_writev(2) of <paramref name="from"/> into one remote range; bytes copied (short on a fault) or a negative errno.</summary>
    internal static long ProcessVmWritev(int pid, ulong remote, ReadOnlySpan<byte> from) =>
        HostMemory.TryProcessVmWritev(pid, (nint)remote, from, out var bytes, out var errno) ? bytes : -errno;

    /// <summary>pidfd_open(2); a descriptor or a negative errno.</summary>
    internal static long PidfdOpen(int pid, uint flags) => Result(Interop.Libc.PidfdOpen(pid, flags));

    /// <summary>pidfd_send_signal(2).</summary>
    internal static long PidfdSendSignal(int pidfd, int signal) => Result(Interop.Libc.PidfdSendSignal(pidfd, signal));

    /// <summary>
    /// The pid a pidfd names, from its /proc/PID/fdinfo text (the <c>Pid:</c> line): -1 when the
    /// process is gone, null when the text is missing or is not a pidfd's.
    /// </summary>
    internal static int? FdinfoPid(string? fdinfo)
    {
        if (fdinfo is null)
        {
            return null;
        }

        foreach (var line in fdinfo.AsSpan().EnumerateLines())
        {
            if (line.StartsWith("Pid:", StringComparison.Ordinal) &&
                int.TryParse(line[4..].Trim(), System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var pid))
            {
                return pid;
            }
        }

        return null;
    }
}
