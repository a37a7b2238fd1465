using System.Diagnostics;
using System.Numerics;

namespace Madvise.Kernel.Mm.Locking;

/// <summary>
/// A thread-safe histogram of non-negative nanosecond values in log-linear buckets (HdrHistogram's
/// scheme with a fixed precision): values below 32 have a bucket each; above that every power-of-two
/// range [2^e, 2^(e+1)) is split into 16 equal sub-buckets, so a bucket is never wider than 1/16 of
/// its lower bound and any reported value is within 6.25 % of a recorded one.
/// </summary>
/// <remarks>
/// <see cref="Record"/> is allocation-free and lock-free: one interlocked increment of the bucket and
/// one interlocked add to the sum, plus a compare-exchange only when a new minimum or maximum is seen.
/// There is no separate count field (it would cost a third atomic per record); <see cref="Count"/>
/// sums the buckets instead. Readers racing with writers see a value that was true at some point
/// during the read for each bucket separately; use <see cref="Snapshot"/> for a stable copy.
/// </remarks>
public sealed class LatencyHistogram
{
    /// <summary>log2 of the number of sub-buckets per power-of-two range.</summary>
    internal const int SubBucketBits = 4;

    /// <summary>Sub-buckets per power-of-two range: the precision is 1/SubBucketCount.</summary>
    internal const int SubBucketCount = 1 << SubBucketBits;

    /// <summary>
    /// Buckets needed for every non-negative long: the exact range [0, 16) plus one group of 16 for
    /// each most-significant-bit position 4..62.
    /// </summary>
    public const int BucketCount = (63 - SubBucketBits + 1) << SubBucketBits;

    /// <summary>Stopwatch ticks to nanoseconds; 1.0 on Linux, where the Stopwatch counts nanoseconds.</summary>
    private static readonly double s_nanosecondsPerTick = 1e9 / Stopwatch.Frequency;

    /// <summary>Counts per bucket, indexed by <see cref="BucketIndex"/>; updated with interlocked increments.</summary>
    private readonly long[] _counts = new long[BucketCount];

    /// <summary>Sum of all recorded values (for the mean); updated with interlocked adds.</summary>
    private long _sum;

    /// <summary>Smallest recorded value, long.MaxValue while empty; lowered by compare-exchange.</summary>
    private long _min = long.MaxValue;

    /// <summary>Largest recorded value, -1 while empty; raised by compare-exchange.</summary>
    private long _max = -1;

    /// <summary>Records one value in nanoseconds; negative values (clock anomalies) count as 0.</summary>
    public void Record(long nanoseconds)
    {
        long value = nanoseconds < 0 ? 0 : nanoseconds;
        Interlocked.Increment(ref _counts[BucketIndex(value)]);
        Interlocked.Add(ref _sum, value);

        long min = Volatile.Read(ref _min);
        while (value < min)
        {
            long seen = Interlocked.CompareExchange(ref _min, value, min);
            if (seen == min)
            {
                break;
            }

            min = seen;
        }

        long max = Volatile.Read(ref _max);
        while (value > max)
        {
            long seen = Interlocked.CompareExchange(ref _max, value, max);
            if (seen == max)
            {
                break;
            }

            max = seen;
        }
    }

    /// <summary>Records the time between two <see cref="Stopwatch.GetTimestamp"/> readings.</summary>
    public void RecordElapsed(long startTimestamp, long endTimestamp) =>
        Record(StopwatchTicksToNanoseconds(endTimestamp - startTimestamp));

    /// <summary>Number of recorded values (sums the buckets; no allocation).</summary>
    public long Count
    {
        get
        {
            long count = 0;
            for (int i = 0; i < _counts.Length; i++)
            {
                count += Volatile.Read(ref _counts[i]);
            }

            return count;
        }
    }

    /// <summary>Smallest recorded value, or 0 when empty.</summary>
    public long Min
    {
        get
        {
            long min = Volatile.Read(ref _min);
            return min == long.MaxValue ? 0 : min;
        }
    }

    /// <summary>Largest recorded value, or 0 when empty.</summary>
    public long Max => Math.Max(0, Volatile.Read(ref _max));

    /// <summary>Arithmetic mean of the recorded values, or 0 when empty.</summary>
    public double Mean
    {
        get
        {
            long count = Count;
            return count == 0 ? 0 : (double)Volatile.Read(ref _sum) / count;
        }
    }

    /// <summary>
    /// The value at or below which <paramref name="percentile"/> percent of the recorded values lie
    /// (nearest rank), reported as the highest value of its bucket, clamped to <see cref="Max"/>.
    /// </summary>
    public long ValueAtPercentile(double percentile) =>
        ValueAtPercentile(_counts, Count, Min, Max, percentile);

    /// <summary>A stable copy of the current contents.</summary>
    public LatencyHistogramSnapshot Snapshot()
    {
        var counts = new long[BucketCount];
        for (int i = 0; i < counts.Length; i++)
        {
            counts[i] = Volatile.Read(ref _counts[i]);
        }

        return LatencyHistogramSnapshot.FromRecorded(counts, Volatile.Read(ref _sum), Volatile.Read(ref _min), Volatile.Read(ref _max));
    }

    /// <summary>Empties the histogram. Values recorded concurrently may or may not survive.</summary>
    public void Reset()
    {
        for (int i = 0; i < _counts.Length; i++)
        {
            Volatile.Write(ref _counts[i], 0);
        }

        Volatile.Write(ref _sum, 0);
        Volatile.Write(ref _min, long.MaxValue);
        Volatile.Write(ref _max, -1);
    }

    /// <summary>Converts a Stopwatch tick difference to nanoseconds.</summary>
    public static long StopwatchTicksToNanoseconds(long ticks) =>
        Stopwatch.Frequency == 1_000_000_000 ? ticks : (long)(ticks * s_nanosecondsPerTick);

    /// <summary>The bucket holding <paramref name="value"/> (which must be non-negative).</summary>
    public static int BucketIndex(long value)
    {
        Debug.Assert(value >= 0, "histogram values are non-negative");
        if (value < SubBucketCount)
        {
            return (int)value;
        }

        int msb = 63 - BitOperations.LeadingZeroCount((ulong)value);
        int shift = msb - SubBucketBits;
        return ((shift + 1) << SubBucketBits) + (int)((value >> shift) & (SubBucketCount - 1));
    }

    /// <summary>The smallest value that falls into bucket <paramref name="index"/>.</summary>
    public static long BucketLowerBound(int index)
    {
        if ((uint)index >= BucketCount)
        {
            throw new ArgumentOutOfRangeException(nameof(index));
        }

        if (index < SubBucketCount)
        {
            return index;
        }

        int group = index >> SubBucketBits;
        int sub = index & (SubBucketCount - 1);
        return (long)(SubBucketCount + sub) << (group - 1);
    }

    /// <summary>The largest value that falls into bucket <paramref name="index"/>.</summary>
    public static long BucketUpperBound(int index)
    {
        long lower = BucketLowerBound(index);
        long width = index < SubBucketCount ? 1 : 1L << ((index >> SubBucketBits) - 1);
        return lower + (width - 1);
    }

    /// <summary>Nearest-rank percentile over a bucket array; shared by the live histogram and snapshots.</summary>
    internal static long ValueAtPercentile(ReadOnlySpan<long> counts, long total, long min, long max, double percentile)
    {
        if (total <= 0)
        {
            return 0;
        }

        double p = double.IsNaN(percentile) ? 0 : Math.Clamp(percentile, 0, 100);
        long rank = Math.Max(1, (long)Math.Ceiling(p / 100.0 * total));
        long cumulative = 0;
        for (int i = 0; i < counts.Length; i++)
        {
            cumulative += counts[i];
            if (cumulative >= rank)
            {
                return Math.Max(min, Math.Min(BucketUpperBound(i), max));
            }
        }

        // Only reachable when buckets were read while being updated (total counted more than we saw).
        return max;
    }
}
