namespace Madvise.Replay.Replay;

/// <summary>
/// What a set of replayed calls cost the simulated kernel, measured around each call: mmap_lock
/// acquisitions of the address space it worked on, TLB shootdowns, and time in the call. The
/// replayer's own work (implicit mappings, touching pages, creating files) is not included.
/// </summary>
public sealed class CallCosts
{
    /// <summary>Calls measured.</summary>
    public long Calls { get; internal set; }

    /// <summary>mmap_lock read acquisitions.</summary>
    public long LockReads { get; internal set; }

    /// <summary>mmap_lock write acquisitions.</summary>
    public long LockWrites { get; internal set; }

    /// <summary>mmap_lock acquisitions, read and write: the lock round trips.</summary>
    public long LockAcquisitions => LockReads + LockWrites;

    /// <summary>TLB shootdowns (flushes of a gather that had changed translations).</summary>
    public long TlbFlushes { get; internal set; }

    /// <summary>Time in the calls, in <see cref="System.Diagnostics.Stopwatch"/> ticks.</summary>
    public long Ticks { get; internal set; }

    /// <summary>Time in the calls, in seconds.</summary>
    public double Seconds => Ticks / (double)System.Diagnostics.Stopwatch.Frequency;

    internal void Add(long reads, long writes, long flushes, long ticks)
    {
        Calls++;
        LockReads += reads;
        LockWrites += writes;
        TlbFlushes += flushes;
        Ticks += ticks;
    }

    internal void Add(CallCosts other)
    {
        Calls += other.Calls;
        LockReads += other.LockReads;
        LockWrites += other.LockWrites;
        TlbFlushes += other.TlbFlushes;
        Ticks += other.Ticks;
    }
}
