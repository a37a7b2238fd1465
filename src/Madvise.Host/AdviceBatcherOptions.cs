using Madvise.Abi;

namespace Madvise.Host;

/// <summary>How an <see cref="AdviceBatcher"/> submits its ranges.</summary>
public sealed class AdviceBatcherOptions
{
    /// <summary>The defaults: vectors of up to IOV_MAX ranges, no byte cap beyond the kernel's, process_madvise when the kernel allows it.</summary>
    public static AdviceBatcherOptions Default { get; } = new();

    /// <summary>
    /// Most ranges in one process_madvise call, 1 to <see cref="IoVec.UIO_MAXIOV"/> (IOV_MAX, the default).
    /// </summary>
    /// <remarks>
    /// process_madvise holds the mmap_lock (or, for DONTNEED and FREE, a VMA lock) across the
    /// whole vector, so a smaller vector bounds how long other users of the lock (page faults in
    /// other threads, mmap, munmap) can wait behind one call.
    /// </remarks>
    public int MaxRangesPerCall { get; init; } = IoVec.UIO_MAXIOV;

    /// <summary>
    /// Most bytes in one call, at least one page; rounded down to whole pages. The default is
    /// MAX_RW_COUNT (2 GiB - 4 KiB), the most process_madvise counts in one call. A larger
    /// coalesced range is advised in pieces of at most this size, by process_madvise and by
    /// the madvise fallback alike.
    /// </summary>
    public nuint MaxBytesPerCall { get; init; } = (nuint)IoVec.MAX_RW_COUNT;

    /// <summary>
    /// False to advise range by range with madvise(2) from the start, as on kernels before 5.10.
    /// When true (the default) the batcher uses process_madvise until the kernel refuses it.
    /// </summary>
    public bool UseProcessMadvise { get; init; } = true;

    /// <summary>
    /// How often one call that answered EINTR or EAGAIN without progress is repeated before the
    /// batcher gives up and throws; progress resets the count. Default 8.
    /// </summary>
    public int MaxTransientRetries { get; init; } = 8;

    /// <summary>Ranges the batcher has room for before its first growth (it grows by doubling and never shrinks).</summary>
    public int InitialCapacity { get; init; } = 64;

    /// <summary>Test hook: the system calls to make instead of the host kernel's.</summary>
    internal IAdviceSyscalls? Syscalls { get; init; }

    /// <summary>Throws for values out of range; returns the byte cap rounded down to pages.</summary>
    internal ulong Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRangesPerCall, 1, nameof(MaxRangesPerCall));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxRangesPerCall, IoVec.UIO_MAXIOV, nameof(MaxRangesPerCall));
        ArgumentOutOfRangeException.ThrowIfLessThan((ulong)MaxBytesPerCall, PageSize.PAGE_SIZE, nameof(MaxBytesPerCall));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxTransientRetries, nameof(MaxTransientRetries));
        ArgumentOutOfRangeException.ThrowIfLessThan(InitialCapacity, 1, nameof(InitialCapacity));

        // Above MAX_RW_COUNT the kernel would shorten the vector's tail and report the shortened
        // sum, which no longer ends on a range boundary.
        return Math.Min((ulong)MaxBytesPerCall, IoVec.MAX_RW_COUNT) & PageSize.PAGE_MASK;
    }
}
