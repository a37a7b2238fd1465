namespace Madvise.Cli.Eval;

/// <summary>One timed pass over the whole buffer.</summary>
/// <param name="Nanoseconds">Wall time of the advice calls (populating is not included).</param>
/// <param name="LockAcquisitions">mmap_lock acquisitions (read and write) during the pass; -1 where not observable (host).</param>
/// <param name="TlbFlushes">TLB shootdowns during the pass; -1 where not observable (host).</param>
/// <param name="Error">Why the pass failed (e.g. <c>EINVAL</c>); null when every call advised its whole range.</param>
internal readonly record struct PassResult(long Nanoseconds, long LockAcquisitions, long TlbFlushes, string? Error)
{
    /// <summary>A failed pass.</summary>
    public static PassResult Failed(string error) => new(0, -1, -1, error);
}
