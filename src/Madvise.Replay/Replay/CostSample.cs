namespace Madvise.Replay.Replay;

/// <summary>One pass's costs of one program on one profile: every replayed call, and its madvise and process_madvise calls.</summary>
/// <param name="Calls">Calls measured.</param>
/// <param name="LockReads">mmap_lock read acquisitions.</param>
/// <param name="LockWrites">mmap_lock write acquisitions.</param>
/// <param name="TlbFlushes">TLB shootdowns.</param>
/// <param name="Seconds">Time in the calls.</param>
/// <param name="AdviceCalls">madvise and process_madvise calls.</param>
/// <param name="AdviceLockAcquisitions">Their mmap_lock acquisitions.</param>
/// <param name="AdviceTlbFlushes">Their TLB shootdowns.</param>
/// <param name="AdviceSeconds">Their time.</param>
public sealed record CostSample(
    long Calls, long LockReads, long LockWrites, long TlbFlushes, double Seconds,
    long AdviceCalls, long AdviceLockAcquisitions, long AdviceTlbFlushes, double AdviceSeconds)
{
    /// <summary>mmap_lock acquisitions of every call.</summary>
    public long LockAcquisitions => LockReads + LockWrites;

    internal static CostSample Of(ProgramTally t) => new(
        t.All.Calls, t.All.LockReads, t.All.LockWrites, t.All.TlbFlushes, t.All.Seconds,
        t.Advice.Calls, t.Advice.LockAcquisitions, t.Advice.TlbFlushes, t.Advice.Seconds);

    internal static CostSample Sum(IEnumerable<CostSample> samples)
    {
        long calls = 0, reads = 0, writes = 0, flushes = 0, aCalls = 0, aLocks = 0, aFlushes = 0;
        double seconds = 0, aSeconds = 0;
        foreach (var s in samples)
        {
            calls += s.Calls;
            reads += s.LockReads;
            writes += s.LockWrites;
            flushes += s.TlbFlushes;
            seconds += s.Seconds;
            aCalls += s.AdviceCalls;
            aLocks += s.AdviceLockAcquisitions;
            aFlushes += s.AdviceTlbFlushes;
            aSeconds += s.AdviceSeconds;
        }

        return new(calls, reads, writes, flushes, seconds, aCalls, aLocks, aFlushes, aSeconds);
    }
}
