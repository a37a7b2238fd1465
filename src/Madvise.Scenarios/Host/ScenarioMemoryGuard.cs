using System.Globalization;
using Madvise.Host;
using Madvise.Abi;

namespace Madvise.Scenarios.Host;

/// <summary>
/// Keeps a scenario from damaging memory it did not map in the process it runs in (the .NET
/// process of task <c>self</c>, or an agent process).
/// </summary>
/// <remarks>
/// <para>
/// The guard remembers the ranges the scenario's own successful <c>mmap</c> steps created in
/// this process (<see cref="Owned"/>; <c>munmap</c> removes them). Before a call that could
/// change or destroy memory, it works out the range the kernel would act on and refuses the
/// call when that range overlaps a mapping of /proc/self/maps (read at that moment) that is
/// not wholly scenario memory. Calls over scenario memory or unmapped space go to the kernel,
/// so errno cases (a hole giving -ENOMEM) keep their kernel answer. Mappings in the kernel half
/// of the address space ([vsyscall]) are ignored: no system call can change them.
/// </para>
/// <para>Refused, when their range overlaps memory the scenario did not map:</para>
/// <list type="bullet">
/// <item><c>mmap</c> with MAP_FIXED (not MAP_FIXED_NOREPLACE, which never replaces);</item>
/// <item><c>munmap</c>, <c>mprotect</c>, <c>mlock</c>, <c>munlock</c>;</item>
/// <item><c>madvise</c> of any behaviour but the non-destructive WILLNEED, COLD, PAGEOUT and
/// COLLAPSE (which change neither contents nor VMAs), including behaviour numbers the kernel
/// accepts but this program does not know;</item>
/// <item><c>pmadvise</c> whose pidfd names the calling process (<c>self</c>, PIDFD_SELF*, or a
/// descriptor whose /proc/self/fdinfo names this pid), with such a behaviour, checked per
/// iovec in order as the kernel walks them, on the lengths the kernel keeps after capping the
/// vector's total at MAX_RW_COUNT;</item>
/// <item><c>write</c>.</item>
/// </list>
/// <para>
/// Not refused: calls the kernel rejects before touching memory (unaligned start, a length
/// that wraps or rounds to zero, a behaviour the kernel does not accept; for process_madvise
/// also a vlen above UIO_MAXIOV or nonzero flags, both read as 32-bit values, a negative
/// iovec length, an iovec ending above the user address limit, an unreadable iovec array);
/// <c>read</c>, <c>mincore</c>, <c>vmas</c>
/// (they change nothing); remote <c>pmadvise</c> (the kernel allows only the non-destructive
/// behaviours on another process).
/// </para>
/// <para>
/// What remains: a runtime thread could map memory into unmapped space of the range between
/// the check and the call; the window is one system call long.
/// </para>
/// </remarks>
internal sealed class ScenarioMemoryGuard
{
    /// <summary>First address of the kernel half; mappings there ([vsyscall]) are beyond any system call's reach.</summary>
    private const ulong KernelHalf = 1UL << 63;

    /// <summary>The system calls of the process guarded (for its /proc/self/maps).</summary>
    private readonly ITaskSyscalls _sys;

    /// <summary>Guards the process of <paramref name="sys"/>.</summary>
    public ScenarioMemoryGuard(ITaskSyscalls sys)
    {
        _sys = sys;
    }

    /// <summary>The ranges the scenario's own mmaps created in this process.</summary>
    public RangeSet Owned { get; } = new();

    /// <summary>True for the behaviours that leave contents and VMAs as they are.</summary>
    public static bool IsNonDestructive(MemoryAdvice advice) => advice is MemoryAdvice.MADV_WILLNEED or
        MemoryAdvice.MADV_COLD or MemoryAdvice.MADV_PAGEOUT or MemoryAdvice.MADV_COLLAPSE;

    /// <summary>Records a successful mmap of <paramref name="length"/> bytes at <paramref name="address"/>.</summary>
    public void Mapped(ulong address, ulong length) => Owned.Add(address, address + PageSize.PageAlign(length));

    /// <summary>Records a successful munmap.</summary>
    public void Unmapped(ulong address, ulong length) => Owned.Remove(address, address + PageSize.PageAlign(length));

    /// <summary>mmap: only MAP_FIXED without MAP_FIXED_NOREPLACE can replace memory.</summary>
    public string? CheckMmap(ulong address, ulong length, int flags)
    {
        if ((flags & MapFlags.MAP_FIXED) == 0 || (flags & MapFlags.MAP_FIXED_NOREPLACE) != 0)
        {
            return null;
        }

        return CheckAlignedRange("mmap fixed", address, length);
    }

    /// <summary>munmap, mprotect: the range is [addr, addr + PAGE_ALIGN(len)); an unaligned or wrapping call fails in the kernel untouched.</summary>
    public string? CheckAlignedRange(string operation, ulong address, ulong length)
    {
        if (!TouchedRange(address, length, out var end))
        {
            return null;
        }

        return CheckRange(operation, address, end);
    }

    /// <summary>mlock, munlock: Linux rounds the start down and the end up before acting.</summary>
    public string? CheckLockRange(string operation, ulong address, ulong length)
    {
        // Linux: mm/mlock.c do_mlock(): len = PAGE_ALIGN(len + offset_in_page(start)); start &= PAGE_MASK.
        var start = address & PageSize.PAGE_MASK;
        var len = PageSize.PageAlign(unchecked(length + (address & ~PageSize.PAGE_MASK)));
        var end = unchecked(start + len);
        if (len == 0 || end < start)
        {
            return null;
        }

        return CheckRange(operation, start, end);
    }

    /// <summary>madvise(2) of <paramref name="behaviour"/>.</summary>
    public string? CheckMadvise(ulong address, ulong length, MemoryAdvice advice)
    {
        if (IsNonDestructive(advice) || !HostKernel.MadviseAccepts(advice))
        {
            return null;
        }

        return CheckAlignedRange("madvise " + AdviceName(advice), address, length);
    }

    /// <summary>
    /// process_madvise(2) on this process, modelled on the kernel: the iovec import (vlen and
    /// flags narrowed to 32 bits; a negative length anywhere is EINVAL and a range above the
    /// user limit EFAULT before anything is advised; lengths capped so the total stays within
    /// MAX_RW_COUNT), then the iovecs in order as vector_madvise walks them (an iovec the kernel
    /// rejects as invalid ends the walk, a zero-length one is skipped).
    /// </summary>
    public string? CheckProcessMadviseSelf(ReadOnlySpan<IoVec> entries, ulong vlen, MemoryAdvice advice, ulong flags)
    {
        // Linux: mm/madvise.c process_madvise(), lib/iov_iter.c __import_iovec().
        var segments = (uint)vlen;
        if ((uint)flags != 0 || segments == 0 || segments > IoVec.UIO_MAXIOV || entries.Length < segments ||
            IsNonDestructive(advice) || !HostKernel.MadviseAccepts(advice))
        {
            return null;
        }

        entries = entries[..(int)segments];
        foreach (var e in entries)
        {
            if ((long)e.Len < 0)
            {
                return null;
            }
        }

        // A single iovec is capped before its range check, several after.
        var limit = HostKernel.UserAddressLimit;
        foreach (var e in entries)
        {
            var checkedLength = segments == 1 ? Math.Min(e.Len, IoVec.MAX_RW_COUNT) : e.Len;
            var sum = unchecked(e.Base + checkedLength);
            if (sum < e.Base || sum > limit)
            {
                return null;
            }
        }

        ulong total = 0;
        foreach (var e in entries)
        {
            var length = Math.Min(e.Len, IoVec.MAX_RW_COUNT - total);
            total += length;
            if (length == 0 && PageSize.IsAligned(e.Base))
            {
                continue;
            }

            if (!TouchedRange(e.Base, length, out var end))
            {
                return null;
            }

            var refusal = CheckRange("pmadvise " + AdviceName(advice), e.Base, end);
            if (refusal is not null)
            {
                return refusal;
            }
        }

        return null;
    }

    /// <summary>write: every byte of [addr, addr+len), up to the top of the address space.</summary>
    public string? CheckWrite(ulong address, ulong length)
    {
        if (length == 0)
        {
            return null;
        }

        var end = unchecked(address + length);
        return CheckRange("write", address, end < address ? 0 : end);
    }

    /// <summary>
    /// The range a page-aligned call acts on, or false when the kernel rejects the call before
    /// acting (unaligned start, zero length, length rounding past 2^64, end wrapping).
    /// </summary>
    private static bool TouchedRange(ulong address, ulong length, out ulong end)
    {
        var len = PageSize.PageAlign(length);
        end = unchecked(address + len);
        return PageSize.IsAligned(address) && len != 0 && end > address;
    }

    /// <summary>
    /// Refuses when [start, end) (end 0 = 2^64) overlaps a user mapping that is not wholly
    /// scenario memory; reads /proc/self/maps only when the range is not wholly scenario memory.
    /// </summary>
    private string? CheckRange(string operation, ulong start, ulong end)
    {
        if (end != 0 && Owned.Covers(start, end))
        {
            return null;
        }

        foreach (var m in _sys.EnumerateMaps())
        {
            if (m.Start >= KernelHalf || (end != 0 && m.Start >= end))
            {
                break;
            }

            if (!m.Overlaps(start, end))
            {
                continue;
            }

            var s = Math.Max(m.Start, start);
            var e = end == 0 ? m.End : Math.Min(m.End, end);
            if (!Owned.Covers(s, e))
            {
                var what = m.Path.Length > 0 ? m.Path : "anonymous " + m.Perms;
                return string.Create(CultureInfo.InvariantCulture, $"{operation}: 0x{s:x}-0x{e:x} is memory the scenario did not map ({what})");
            }
        }

        return null;
    }

    private static string AdviceName(MemoryAdvice advice) =>
        MemoryAdviceNames.Name(advice) ?? ((int)advice).ToString(CultureInfo.InvariantCulture);
}
