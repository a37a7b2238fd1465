using System.Runtime.InteropServices;
using Madvise.Abi;
using Madvise.Kernel.Advice;
using Madvise.Kernel.Mm;
using Madvise.Kernel.Mm.Vmas;
using Madvise.Kernel.Tasks;
using static Madvise.Abi.MemoryAdvice;

namespace Madvise.Kernel.Syscalls;

public static partial class Sys
{
    /// <summary>Per-thread buffer for imported iovecs (UIO_MAXIOV entries), so the call does not allocate.</summary>
    [ThreadStatic]
    private static IoVec[]? t_iovecs;

    /// <summary>
    /// process_madvise(2): advises the ranges of the iovec array at <paramref name="vec"/> (in the
    /// caller's memory) in the address space of the process behind <paramref name="pidfd"/>.
    /// Argument widths as in Linux: pidfd and behaviour are <c>int</c>, vlen is narrowed to 32
    /// bits, flags is an <c>unsigned int</c>.
    /// </summary>
    /// <returns>Bytes advised (see <see cref="MadviseCore.VectorMadvise"/>), or a negative errno.</returns>
    public static long ProcessMadvise(TaskStruct task, long pidfd, ulong vec, ulong vlen, long behavior, ulong flags)
    {
        if ((uint)flags != 0)
        {
            return -Errno.EINVAL;
        }

        if (CurrentMm(task) is not { } currentMm)
        {
            return TaskGone;
        }

        var ret = ImportIovec(currentMm, vec, (uint)vlen, out var iter);
        return ret < 0 ? ret : ProcessMadviseImported(task, currentMm, pidfd, ref iter, behavior);
    }

    /// <summary>process_madvise(2) with a typed advice value (same as passing its number).</summary>
    public static long ProcessMadvise(TaskStruct task, long pidfd, ulong vec, ulong vlen, MemoryAdvice advice, ulong flags) =>
        ProcessMadvise(task, pidfd, vec, vlen, (long)advice, flags);

    /// <summary>
    /// process_madvise(2) whose iovec array is already in kernel memory: a trace replay knows the
    /// ranges a program passed but not the memory they were read from. The same checks in the
    /// same order as <see cref="ProcessMadvise(TaskStruct, long, ulong, ulong, long, ulong)"/>,
    /// less the copy from user memory (which can only add -EFAULT for an unreadable array).
    /// </summary>
    /// <param name="iov">The array; at least the first <paramref name="vlen"/> entries are read
    /// unless vlen is 0 or above UIO_MAXIOV (rejected before any entry is looked at).</param>
    /// <exception cref="ArgumentException"><paramref name="iov"/> is shorter than a vlen the kernel would read.</exception>
    public static long ProcessMadvise(TaskStruct task, long pidfd, ReadOnlySpan<IoVec> iov, ulong vlen, long behavior, ulong flags)
    {
        if ((uint)flags != 0)
        {
            return -Errno.EINVAL;
        }

        if (CurrentMm(task) is not { } currentMm)
        {
            return TaskGone;
        }

        var count = (uint)vlen;
        var iovecs = t_iovecs ??= new IoVec[IoVec.UIO_MAXIOV];
        IovIter iter;
        if (count == 0)
        {
            iter = new IovIter(iovecs, 0, 0);
        }
        else if (count > IoVec.UIO_MAXIOV)
        {
            return -Errno.EINVAL;
        }
        else
        {
            if ((uint)iov.Length < count)
            {
                throw new ArgumentException($"vlen {count} but only {iov.Length} iovecs given", nameof(iov));
            }

            iov[..(int)count].CopyTo(iovecs);
            var ret = CheckIovecs(iovecs.AsSpan(0, (int)count), (int)count, out iter);
            if (ret < 0)
            {
                return ret;
            }
        }

        return ProcessMadviseImported(task, currentMm, pidfd, ref iter, behavior);
    }

    /// <summary>The part of process_madvise() after import_iovec(): the target, its access checks, the advice.</summary>
    private static long ProcessMadviseImported(TaskStruct task, MmStruct currentMm, long pidfd, ref IovIter iter, long behavior)
    {
        var target = PidfdGetTask(task, unchecked((int)pidfd), out var ret);
        if (target is null)
        {
            return ret;
        }

        // mm_access(PTRACE_MODE_READ_FSCREDS).
        var mm = target.Mm;
        if (mm is null || !mm.TryGet())
        {
            return -Errno.ESRCH;
        }

        try
        {
            var remote = !ReferenceEquals(mm, currentMm);
            if (remote && !PtraceAccess.MayAccess(task, target) && !PerfmonCapable(task.Cred))
            {
                return -Errno.EACCES;
            }

            var adv = (MemoryAdvice)unchecked((int)behavior);
            if (remote && adv is not (MADV_COLD or MADV_PAGEOUT or MADV_WILLNEED or MADV_COLLAPSE))
            {
                return -Errno.EINVAL;
            }

            if (remote && !task.Cred.Has(Capability.CAP_SYS_NICE))
            {
                return -Errno.EPERM;
            }

            return MadviseCore.VectorMadvise(mm, task, ref iter, adv);
        }
        finally
        {
            mm.Put();
        }
    }

    private static bool PerfmonCapable(Credentials cred) => cred.Has(Capability.CAP_PERFMON) || cred.Has(Capability.CAP_SYS_ADMIN);

    /// <summary>pidfd_get_task(): the sentinels name the caller; any other value must be an open pidfd.</summary>
    private static TaskStruct? PidfdGetTask(TaskStruct task, int pidfd, out long error)
    {
        error = 0;
        if (pidfd is PidfdConstants.PIDFD_SELF_THREAD or PidfdConstants.PIDFD_SELF_THREAD_GROUP)
        {
            return task;
        }

        if (task.Files.Get(pidfd) is not PidFile file)
        {
            error = -Errno.EBADF;
            return null;
        }

        return file.Task;
    }

    /// <summary>
    /// import_iovec(): copies <paramref name="count"/> iovecs from the caller's memory and checks
    /// them in Linux's order: too many (-EINVAL); array outside user space (-EFAULT); then
    /// <see cref="CheckIovecs"/> on what could be read.
    /// </summary>
    private static long ImportIovec(MmStruct mm, ulong vec, uint count, out IovIter iter)
    {
        var iovecs = t_iovecs ??= new IoVec[IoVec.UIO_MAXIOV];
        iter = default;
        if (count == 0)
        {
            iter = new IovIter(iovecs, 0, 0);
            return 0;
        }

        if (count > IoVec.UIO_MAXIOV)
        {
            return -Errno.EINVAL;
        }

        var entries = iovecs.AsSpan(0, (int)count);
        var bytes = MemoryMarshal.AsBytes(entries);
        if (!PageSize.AccessOk(vec, (ulong)bytes.Length))
        {
            return -Errno.EFAULT;
        }

        var read = mm.ReadUser(vec, bytes);
        return CheckIovecs(entries, (int)(read / IoVec.Size), out iter);
    }

    /// <summary>
    /// The checks of import_iovec() after the copy: a negative length among the
    /// <paramref name="complete"/> entries copied (-EINVAL), an array only partly readable
    /// (-EFAULT), then each range against the user address limit (-EFAULT) while capping the
    /// running total at MAX_RW_COUNT. A single entry is capped first and checked after (import_ubuf).
    /// </summary>
    private static long CheckIovecs(Span<IoVec> entries, int complete, out IovIter iter)
    {
        iter = default;
        for (var i = 0; i < complete; i++)
        {
            if ((long)entries[i].Len < 0)
            {
                return -Errno.EINVAL;
            }
        }

        if (complete < entries.Length)
        {
            return -Errno.EFAULT;
        }

        ulong total = 0;
        if (entries.Length == 1)
        {
            var len = Math.Min(entries[0].Len, IoVec.MAX_RW_COUNT);
            if (!PageSize.AccessOk(entries[0].Base, len))
            {
                return -Errno.EFAULT;
            }

            entries[0] = entries[0] with { Len = len };
            total = len;
        }
        else
        {
            for (var i = 0; i < entries.Length; i++)
            {
                var len = entries[i].Len;
                if (!PageSize.AccessOk(entries[i].Base, len))
                {
                    return -Errno.EFAULT;
                }

                if (len > IoVec.MAX_RW_COUNT - total)
                {
                    len = IoVec.MAX_RW_COUNT - total;
                    entries[i] = entries[i] with { Len = len };
                }

                total += len;
            }
        }

        iter = new IovIter(t_iovecs!, entries.Length, total);
        return 0;
    }
}
