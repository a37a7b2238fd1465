namespace Madvise.Kernel.Mm.Locking;

/// <summary>
/// An immutable snapshot of an <see cref="MmapLock"/>'s counters and time histograms since its
/// creation or last <see cref="MmapLock.ResetStatistics"/>. Times are in nanoseconds.
/// </summary>
public sealed class MmapLockStatistics
{
    /// <summary>Successful read acquisitions (blocking, killable and try), contended or not.</summary>
    public required long ReadAcquisitions { get; init; }

    /// <summary>Successful write acquisitions (blocking, killable and try), contended or not.</summary>
    public required long WriteAcquisitions { get; init; }

    /// <summary>Read acquisitions that had to wait in the queue before being granted.</summary>
    public required long ContendedReadAcquisitions { get; init; }

    /// <summary>Write acquisitions that had to wait in the queue before being granted.</summary>
    public required long ContendedWriteAcquisitions { get; init; }

    /// <summary>Killable read acquisitions that returned -EINTR (fatal signal pending or raised while waiting).</summary>
    public required long InterruptedReadAcquisitions { get; init; }

    /// <summary>Killable write acquisitions that returned -EINTR.</summary>
    public required long InterruptedWriteAcquisitions { get; init; }

    /// <summary>Time from wanting to holding the read lock; acquisitions that did not wait count as 0.</summary>
    public required LatencyHistogramSnapshot ReadWaitNanoseconds { get; init; }

    /// <summary>Time from wanting to holding the write lock; acquisitions that did not wait count as 0.</summary>
    public required LatencyHistogramSnapshot WriteWaitNanoseconds { get; init; }

    /// <summary>Read hold times, for acquisitions made while <see cref="MmapLock.RecordHoldTimes"/> was on.</summary>
    public required LatencyHistogramSnapshot ReadHoldNanoseconds { get; init; }

    /// <summary>Write hold times, for acquisitions made while <see cref="MmapLock.RecordHoldTimes"/> was on.</summary>
    public required LatencyHistogramSnapshot WriteHoldNanoseconds { get; init; }

    /// <summary>All killable acquisitions that returned -EINTR.</summary>
    public long InterruptedAcquisitions => InterruptedReadAcquisitions + InterruptedWriteAcquisitions;

    /// <inheritdoc/>
    public override string ToString() =>
        FormattableString.Invariant($"read {ReadAcquisitions} (contended {ContendedReadAcquisitions}, eintr {InterruptedReadAcquisitions}, wait {ReadWaitNanoseconds}), ")
        + FormattableString.Invariant($"write {WriteAcquisitions} (contended {ContendedWriteAcquisitions}, eintr {InterruptedWriteAcquisitions}, wait {WriteWaitNanoseconds})");
}
