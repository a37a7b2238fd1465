namespace Madvise.Kernel.Mm.Locking;

// Acquisition counters and wait/hold-time histograms. The uncontended paths pay nothing extra: reads
// are counted inside the acquiring compare-exchange, writes by the exclusive holder, everything else
// in the slow path or only while RecordHoldTimes is on.
public sealed partial class MmapLock
{
    /// <summary>Bits of the read-acquisition counter in the state word.</summary>
    private const int ReadCountBits = 64 - ReadCountShift;

    /// <summary>Mask of the read-acquisition counter after shifting it down.</summary>
    private const ulong ReadCountFieldMask = (1UL << ReadCountBits) - 1;

    /// <summary>
    /// Write acquisitions since creation. Written only by the current write holder (plain
    /// increment, exact because the holder is exclusive); read with a volatile read.
    /// </summary>
    private long _writeAcquisitions;

    /// <summary>Read acquisitions that waited in the queue; protected by _queueLock.</summary>
    private long _contendedReads;

    /// <summary>Write acquisitions that waited in the queue; protected by _queueLock.</summary>
    private long _contendedWrites;

    /// <summary>Killable read acquisitions that returned -EINTR; protected by _queueLock.</summary>
    private long _interruptedReads;

    /// <summary>Killable write acquisitions that returned -EINTR; protected by _queueLock.</summary>
    private long _interruptedWrites;

    /// <summary>Wait times of contended reads, created on first use (most locks never wait).</summary>
    private LatencyHistogram? _readWait;

    /// <summary>Wait times of contended writes, created on first use.</summary>
    private LatencyHistogram? _writeWait;

    /// <summary>Read hold times while RecordHoldTimes is on, created on first use.</summary>
    private LatencyHistogram? _readHold;

    /// <summary>Write hold times while RecordHoldTimes is on, created on first use.</summary>
    private LatencyHistogram? _writeHold;

    /// <summary>
    /// Protects the reporting bookkeeping below: the widened read counter and the reset baselines.
    /// Never taken together with _queueLock.
    /// </summary>
    private readonly Lock _statisticsLock = new();

    /// <summary>The 40-bit read counter as last seen; protected by _statisticsLock.</summary>
    private ulong _readCountLastRaw;

    /// <summary>
    /// Read acquisitions widened to 64 bits from the wrapping field (exact as long as statistics are
    /// read at least once every 2^40 acquisitions); protected by _statisticsLock.
    /// </summary>
    private long _readCountWidened;

    /// <summary>Widened read count at the last reset; protected by _statisticsLock.</summary>
    private long _readCountBase;

    /// <summary>Write acquisitions at the last reset; protected by _statisticsLock.</summary>
    private long _writeCountBase;

    /// <summary>
    /// A snapshot of the counters and histograms. Taken without stopping the lock's users, so values
    /// read moments apart may disagree slightly (e.g. a grant counted as contended whose acquisition
    /// is not yet in the total); each value on its own is exact.
    /// </summary>
    public MmapLockStatistics GetStatistics()
    {
        long contendedReads = Volatile.Read(ref _contendedReads);
        long contendedWrites = Volatile.Read(ref _contendedWrites);
        long interruptedReads = Volatile.Read(ref _interruptedReads);
        long interruptedWrites = Volatile.Read(ref _interruptedWrites);
        long reads;
        long writes;
        lock (_statisticsLock)
        {
            reads = WidenReadCountLocked() - _readCountBase;
            writes = Volatile.Read(ref _writeAcquisitions) - _writeCountBase;
        }

        return new MmapLockStatistics
        {
            ReadAcquisitions = reads,
            WriteAcquisitions = writes,
            ContendedReadAcquisitions = contendedReads,
            ContendedWriteAcquisitions = contendedWrites,
            InterruptedReadAcquisitions = interruptedReads,
            InterruptedWriteAcquisitions = interruptedWrites,
            ReadWaitNanoseconds = Snapshot(Volatile.Read(ref _readWait)).WithZeros(reads - contendedReads),
            WriteWaitNanoseconds = Snapshot(Volatile.Read(ref _writeWait)).WithZeros(writes - contendedWrites),
            ReadHoldNanoseconds = Snapshot(Volatile.Read(ref _readHold)),
            WriteHoldNanoseconds = Snapshot(Volatile.Read(ref _writeHold)),
        };
    }

    /// <summary>
    /// Successful read and write acquisitions since creation or the last reset: the totals of
    /// <see cref="GetStatistics"/> without its histogram snapshots, cheap enough to read around
    /// every operation (a trace replay attributes acquisitions to the calls that made them).
    /// </summary>
    public (long Reads, long Writes) AcquisitionCounts()
    {
        lock (_statisticsLock)
        {
            return (WidenReadCountLocked() - _readCountBase, Volatile.Read(ref _writeAcquisitions) - _writeCountBase);
        }
    }

    /// <summary>Zeroes all counters and histograms. Acquisitions racing with the reset may or may not be counted.</summary>
    public void ResetStatistics()
    {
        lock (_statisticsLock)
        {
            _readCountBase = WidenReadCountLocked();
            _writeCountBase = Volatile.Read(ref _writeAcquisitions);
        }

        lock (_queueLock)
        {
            _contendedReads = 0;
            _contendedWrites = 0;
            _interruptedReads = 0;
            _interruptedWrites = 0;
        }

        _readWait?.Reset();
        _writeWait?.Reset();
        _readHold?.Reset();
        _writeHold?.Reset();
    }

    /// <summary>Counts a killable acquisition that gave up. Precondition: _queueLock is held.</summary>
    private void CountInterruptedLocked(bool write)
    {
        if (write)
        {
            _interruptedWrites++;
        }
        else
        {
            _interruptedReads++;
        }
    }

    /// <summary>Records how long a granted waiter waited (slow path only).</summary>
    private void RecordWait(bool write, long startTimestamp, long endTimestamp) =>
        (write ? EnsureHistogram(ref _writeWait) : EnsureHistogram(ref _readWait)).RecordElapsed(startTimestamp, endTimestamp);

    /// <summary>Records a hold time (only for acquisitions made while RecordHoldTimes was on).</summary>
    private void RecordHold(bool write, long startTimestamp, long endTimestamp) =>
        (write ? EnsureHistogram(ref _writeHold) : EnsureHistogram(ref _readHold)).RecordElapsed(startTimestamp, endTimestamp);

    /// <summary>Folds the state word's wrapping read counter into the 64-bit total. Precondition: _statisticsLock is held.</summary>
    private long WidenReadCountLocked()
    {
        ulong raw = ((ulong)Volatile.Read(ref _state) >> ReadCountShift) & ReadCountFieldMask;
        _readCountWidened += (long)((raw - _readCountLastRaw) & ReadCountFieldMask);
        _readCountLastRaw = raw;
        return _readCountWidened;
    }

    /// <summary>Returns the histogram in <paramref name="field"/>, creating it on first use.</summary>
    private static LatencyHistogram EnsureHistogram(ref LatencyHistogram? field)
    {
        LatencyHistogram? h = Volatile.Read(ref field);
        if (h is not null)
        {
            return h;
        }

        h = new LatencyHistogram();
        return Interlocked.CompareExchange(ref field, h, null) ?? h;
    }

    /// <summary>A snapshot of a histogram that may not exist yet.</summary>
    private static LatencyHistogramSnapshot Snapshot(LatencyHistogram? h) =>
        h is null ? LatencyHistogramSnapshot.Empty : h.Snapshot();
}
