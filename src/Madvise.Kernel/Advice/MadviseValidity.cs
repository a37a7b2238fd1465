using Madvise.Abi;
using static Madvise.Abi.MemoryAdvice;

namespace Madvise.Kernel.Advice;

// Linux: mm/madvise.c madvise_behavior_valid(), is_valid_madvise(), madvise_should_skip() —
// the input validity check the series split out of do_madvise().
internal static partial class MadviseCore
{
    /// <summary>madvise_behavior_valid(): the behaviour exists in this kernel's configuration.</summary>
    public static bool BehaviorValid(KernelConfig config, MemoryAdvice behavior) => behavior switch
    {
        MADV_DOFORK or MADV_DONTFORK or MADV_NORMAL or MADV_SEQUENTIAL or MADV_RANDOM or MADV_REMOVE
            or MADV_WILLNEED or MADV_DONTNEED or MADV_DONTNEED_LOCKED or MADV_FREE or MADV_COLD
            or MADV_PAGEOUT or MADV_POPULATE_READ or MADV_POPULATE_WRITE or MADV_DONTDUMP or MADV_DODUMP
            or MADV_WIPEONFORK or MADV_KEEPONFORK or MADV_GUARD_INSTALL or MADV_GUARD_REMOVE => true,

        // CONFIG_TRANSPARENT_HUGEPAGE is built in; the sysfs mode does not make these invalid.
        MADV_HUGEPAGE or MADV_NOHUGEPAGE or MADV_COLLAPSE => true,
        MADV_MERGEABLE or MADV_UNMERGEABLE => config.Ksm,
        MADV_SOFT_OFFLINE or MADV_HWPOISON => config.MemoryFailure,
        _ => false,
    };

    /// <summary>
    /// is_valid_madvise(), in Linux's order: the behaviour, then start alignment (so an unaligned
    /// start with length 0 is invalid), then a length that rounds up to 0, then wrap-around.
    /// </summary>
    public static bool IsValidMadvise(KernelConfig config, ulong start, ulong lenIn, MemoryAdvice behavior)
    {
        if (!BehaviorValid(config, behavior))
        {
            return false;
        }

        if (!PageSize.IsAligned(start))
        {
            return false;
        }

        var len = PageSize.PageAlign(lenIn);
        if (lenIn != 0 && len == 0)
        {
            return false;
        }

        return start + len >= start;
    }

    /// <summary>madvise_should_skip(): true with -EINVAL for invalid input, true with 0 for an empty range.</summary>
    public static bool ShouldSkip(KernelConfig config, ulong start, ulong lenIn, MemoryAdvice behavior, out long error)
    {
        if (!IsValidMadvise(config, start, lenIn, behavior))
        {
            error = -Errno.EINVAL;
            return true;
        }

        if (start + PageSize.PageAlign(lenIn) == start)
        {
            error = 0;
            return true;
        }

        error = 0;
        return false;
    }
}
