using Madvise.Kernel.Mm;
using Madvise.Kernel.Tasks;

namespace Madvise.Kernel.Advice;

// Linux: mm/madvise.c do_madvise() — after the series: validity check, lock, TLB batch,
// behaviour execution, unlock.
internal static partial class MadviseCore
{
    /// <summary>do_madvise(): one madvise() call on <paramref name="mm"/> made by <paramref name="current"/>.</summary>
    /// <remarks>Preconditions: no lock of <paramref name="mm"/> is held; the caller holds a reference on it. Takes and releases the lock itself.</remarks>
    public static long DoMadvise(MmStruct mm, TaskStruct current, ulong start, ulong lenIn, MemoryAdvice behavior)
    {
        if (ShouldSkip(mm.Kernel.Config, start, lenIn, behavior, out var error))
        {
            return error;
        }

        var b = MadviseBehavior.Rent(mm, current, behavior);
        try
        {
            error = Lock(b);
            if (error != 0)
            {
                return error;
            }

            // The batch is flushed and the lock released on every way out, an exception included.
            try
            {
                InitTlb(b);
                return DoBehavior(start, lenIn, b);
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
