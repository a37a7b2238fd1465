namespace Madvise.Kernel.Mm.Locking;

/// <summary>
/// An immutable copy of a <see cref="LatencyHistogram"/>: bucket counts (same bucket scheme), sum,
/// minimum and maximum of nanosecond values.
/// </summary>
public sealed class LatencyHistogramSnapshot
{
    /// <summary>The snapshot of a histogram that recorded nothing.</summary>
    public static LatencyHistogramSnapshot Empty { get; } = new(new long[LatencyHistogram.BucketCount], 0, 0, 0, 0);

    /// <summary>Counts per bucket (length <see cref="LatencyHistogram.BucketCount"/>); never mutated.</summary>
    private readonly long[] _counts;

    private LatencyHistogramSnapshot(long[] counts, long count, long sum, long min, long max)
    {
        _counts = counts;
        Count = count;
        Sum = sum;
        Min = min;
        Max = max;
    }

    /// <summary>Number of values.</summary>
    public long Count { get; }

    /// <summary>Sum of the values in nanoseconds.</summary>
    public long Sum { get; }

    /// <summary>Smallest value, or 0 when empty.</summary>
    public long Min { get; }

    /// <summary>Largest value, or 0 when empty.</summary>
    public long Max { get; }

    /// <summary>Arithmetic mean, or 0 when empty.</summary>
    public double Mean => Count == 0 ? 0 : (double)Sum / Count;

    /// <summary>Counts per bucket; bucket i holds values in [BucketLowerBound(i), BucketUpperBound(i)].</summary>
    public ReadOnlySpan<long> BucketCounts => _counts;

    /// <summary>
    /// The value at or below which <paramref name="percentile"/> percent of the values lie (nearest
    /// rank), reported as the highest value of its bucket clamped to [<see cref="Min"/>, <see cref="Max"/>].
    /// </summary>
    public long ValueAtPercentile(double percentile) =>
        LatencyHistogram.ValueAtPercentile(_counts, Count, Min, Max, percentile);

    /// <summary>The combined distribution of this snapshot and <paramref name="other"/>.</summary>
    public LatencyHistogramSnapshot Merge(LatencyHistogramSnapshot other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Count == 0)
        {
            return this;
        }

        if (Count == 0)
        {
            return other;
        }

        var counts = new long[_counts.Length];
        for (int i = 0; i < counts.Length; i++)
        {
            counts[i] = _counts[i] + other._counts[i];
        }

        return new LatencyHistogramSnapshot(counts, Count + other.Count, Sum + other.Sum, Math.Min(Min, other.Min), Math.Max(Max, other.Max));
    }

    /// <summary>This distribution plus <paramref name="zeros"/> values of 0 (e.g. acquisitions that did not wait).</summary>
    public LatencyHistogramSnapshot WithZeros(long zeros)
    {
        if (zeros <= 0)
        {
            return this;
        }

        var counts = (long[])_counts.Clone();
        counts[0] += zeros;
        return new LatencyHistogramSnapshot(counts, Count + zeros, Sum, 0, Count == 0 ? 0 : Max);
    }

    /// <inheritdoc/>
    public override string ToString() =>
        Count == 0
            ? "n=0"
            : FormattableString.Invariant($"n={Count} min={Min} p50={ValueAtPercentile(50)} p99={ValueAtPercentile(99)} max={Max} mean={Mean:F1} ns");

    /// <summary>
    /// Builds a snapshot from buckets copied while writers may still be running: the recorded
    /// minimum and maximum are trusted only when they fall into the first and last non-empty
    /// buckets; otherwise (a record was half done) the bucket bounds stand in for them.
    /// </summary>
    internal static LatencyHistogramSnapshot FromRecorded(long[] counts, long sum, long recordedMin, long recordedMax)
    {
        int first = -1;
        int last = -1;
        long count = 0;
        for (int i = 0; i < counts.Length; i++)
        {
            if (counts[i] != 0)
            {
                if (first < 0)
                {
                    first = i;
                }

                last = i;
                count += counts[i];
            }
        }

        if (count == 0)
        {
            return Empty;
        }

        long min = LatencyHistogram.BucketIndex(Math.Max(0, recordedMin)) == first ? recordedMin : LatencyHistogram.BucketLowerBound(first);
        long max = recordedMax >= 0 && LatencyHistogram.BucketIndex(recordedMax) == last ? recordedMax : LatencyHistogram.BucketUpperBound(last);
        return new LatencyHistogramSnapshot(counts, count, sum, min, max);
    }
}
