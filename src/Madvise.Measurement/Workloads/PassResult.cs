namespace Madvise.Measurement.Workloads;

/// <summary>One timed pass over the whole buffer.</summary>
/// <param name="Nanoseconds">Wall time of the advice calls (populating is not included).</param>
/// <param name="LockAcquisitions">mmap_lock acquisitions (read and write) during the pass; -1 where not observable (host).</param>
/// <param name="TlbFlushes">TLB shootdowns during the pass; -1 where not observable (host).</param>
/// <param name="Error">Why the pass failed (e.g. <c>EINVAL</c>); null when every call advised its whole range.</param>
/// <param name="RemoteFlushes">Remote TLB invalidations during the pass (sim: other CPUs a shootdown visited; host: TLB shootdown interrupts from /proc/interrupts); -1 where not observable.</param>
public readonly record struct PassResult(long Nanoseconds, long LockAcquisitions, long TlbFlushes, string? Error, long RemoteFlushes = -1)
{
    /// <summary>A failed pass.</summary>
    public static PassResult Failed(string error) => new(0, -1, -1, error);
}
