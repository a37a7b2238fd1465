using Madvise.Abi;
using Madvise.Kernel.Mm;
using Madvise.Kernel.Tasks;

namespace Madvise.Kernel.Advice;

// Linux: mm/madvise.c vector_madvise() — the series' change, and the code before it.
internal static partial class MadviseCore
{
    /// <summary>
    /// vector_madvise(): advises every range of <paramref name="iter"/>. Under
    /// <see cref="KernelProfile.PerRangeLock"/> each range runs the whole do_madvise() path, lock to
    /// unlock (before the series); otherwise the lock is taken once for the vector and a range
    /// that fails with the race-caused restart code is retried after unlocking and relocking.
    /// </summary>
    /// <returns>Bytes of the ranges that completed, if any; else the error of the first failing range (or 0).</returns>
    /// <remarks>Preconditions: no lock of <paramref name="mm"/> is held; the caller holds a reference on it.</remarks>
    public static long VectorMadvise(MmStruct mm, TaskStruct current, ref IovIter iter, MemoryAdvice behavior)
    {
        var total = iter.Remaining;
        var ret = mm.Kernel.Profile == KernelProfile.PerRangeLock
            ? VectorPerRange(mm, current, ref iter, behavior)
            : VectorBatched(mm, current, ref iter, behavior);
        var done = total - iter.Remaining;
        return done != 0 ? (long)done : ret;
    }

    /// <summary>process_madvise() before the series: do_madvise() once per range.</summary>
    /// <remarks>Preconditions: no lock of <paramref name="mm"/> is held; each range takes and releases it.</remarks>
    private static long VectorPerRange(MmStruct mm, TaskStruct current, ref IovIter iter, MemoryAdvice behavior)
    {
        long ret = 0;
        while (iter.Remaining != 0)
        {
            ret = DoMadvise(mm, current, iter.CurrentBase, iter.CurrentLength, behavior);
            if (ret == -Errno.ERESTARTNOINTR)
            {
                // The syscall would be restarted; the range is simply tried again.
                if (current.FatalSignal.IsPending)
                {
                    return -Errno.EINTR;
                }

                mm.Kernel.Stats.RecordVectorRetry();
                continue;
            }

            if (ret < 0)
            {
                break;
            }

            iter.Advance(iter.CurrentLength);
        }

        return ret;
    }

    /// <summary>process_madvise() after the series: one lock (and, with BatchedTlb, one TLB batch) for the vector.</summary>
    /// <remarks>Preconditions: no lock of <paramref name="mm"/> is held; it is taken once for the vector, dropped and taken again to retry a range after -ERESTARTNOINTR.</remarks>
    private static long VectorBatched(MmStruct mm, TaskStruct current, ref IovIter iter, MemoryAdvice behavior)
    {
        var config = mm.Kernel.Config;
        var b = MadviseBehavior.Rent(mm, current, behavior);
        try
        {
            var ret = Lock(b);
            if (ret != 0)
            {
                return ret;
            }

            // Whatever holds at the way out (a lock, a batch; nothing after a failed relock) is
            // released on every way out, an exception included.
            try
            {
                InitTlb(b);
                while (iter.Remaining != 0)
                {
                    var start = iter.CurrentBase;
                    var lenIn = iter.CurrentLength;
                    ret = ShouldSkip(config, start, lenIn, behavior, out var error) ? error : DoBehavior(start, lenIn, b);

                    if (ret == -Errno.ERESTARTNOINTR)
                    {
                        if (current.FatalSignal.IsPending)
                        {
                            ret = -Errno.EINTR;
                            break;
                        }

                        // Drop and reacquire the lock to let the racing faults finish, then retry
                        // the same range (the June 2025 fix: a failed relock ends the call).
                        mm.Kernel.Stats.RecordVectorRetry();
                        FinishTlb(b);
                        Unlock(b);
                        ret = Lock(b);
                        if (ret != 0)
                        {
                            return ret;
                        }

                        InitTlb(b);
                        continue;
                    }

                    if (ret < 0)
                    {
                        break;
                    }

                    iter.Advance(iter.CurrentLength);
                    if (iter.Remaining != 0)
                    {
                        mm.Kernel.Faults.At(FaultPoint.VectorBetweenRanges);
                    }
                }

                return ret;
            }
            finally
            {
                FinishTlb(b);
                Unlock(b);
            }
        }
        finally
        {
            MadviseBehavior.Return(b);
        }
    }
}
