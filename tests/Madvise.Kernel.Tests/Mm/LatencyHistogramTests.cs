using CsCheck;
using Madvise.Kernel.Mm.Locking;

namespace Madvise.Kernel.Tests.Mm;

/// <summary>The bucket scheme, percentile accuracy and thread safety of <see cref="LatencyHistogram"/>.</summary>
public sealed class LatencyHistogramTests
{
    /// <summary>Values spread over many orders of magnitude, as latencies are (ns to minutes).</summary>
    private static readonly Gen<long> s_latency =
        Gen.Frequency((3, Gen.Long[0, 100]), (5, Gen.Long[0, 1_000_000]), (2, Gen.Long[0, 100_000_000_000]), (1, Gen.Long[0, long.MaxValue]));

    [Fact]
    public void BucketsTileAllNonNegativeLongsWithBoundedWidth()
    {
        Assert.Equal(0, LatencyHistogram.BucketLowerBound(0));
        Assert.Equal(long.MaxValue, LatencyHistogram.BucketUpperBound(LatencyHistogram.BucketCount - 1));
        for (int i = 0; i < LatencyHistogram.BucketCount; i++)
        {
            long lo = LatencyHistogram.BucketLowerBound(i);
            long hi = LatencyHistogram.BucketUpperBound(i);
            Assert.True(lo <= hi, $"bucket {i}: [{lo}, {hi}]");
            Assert.True(hi - lo + 1 <= Math.Max(1, lo / 16), $"bucket {i} is wider than 1/16 of {lo}");
            Assert.Equal(i, LatencyHistogram.BucketIndex(lo));
            Assert.Equal(i, LatencyHistogram.BucketIndex(hi));
            if (i > 0)
            {
                Assert.Equal(LatencyHistogram.BucketUpperBound(i - 1) + 1, lo);
            }
        }

        // Values below 32 are exact.
        for (long v = 0; v < 32; v++)
        {
            Assert.Equal(v, LatencyHistogram.BucketLowerBound(LatencyHistogram.BucketIndex(v)));
            Assert.Equal(v, LatencyHistogram.BucketUpperBound(LatencyHistogram.BucketIndex(v)));
        }
    }

    [Fact]
    public void EveryValueFallsIntoItsBucket()
    {
        s_latency.Sample(v =>
        {
            int i = LatencyHistogram.BucketIndex(v);
            Assert.InRange(v, LatencyHistogram.BucketLowerBound(i), LatencyHistogram.BucketUpperBound(i));
        });
    }

    [Fact]
    public void PercentilesAreWithinTheBucketErrorOfTheExactOnes()
    {
        double[] percentiles = [0, 1, 10, 25, 50, 75, 90, 99, 99.9, 100];
        s_latency.Array[1, 2000].Sample(values =>
        {
            var h = new LatencyHistogram();
            foreach (long v in values)
            {
                h.Record(v);
            }

            long[] sorted = (long[])values.Clone();
            Array.Sort(sorted);
            LatencyHistogramSnapshot snap = h.Snapshot();
            foreach (double p in percentiles)
            {
                // Nearest rank: the smallest value with at least p % of the values at or below it.
                long rank = Math.Max(1, (long)Math.Ceiling(p / 100.0 * sorted.Length));
                long exact = sorted[rank - 1];
                long reported = snap.ValueAtPercentile(p);
                Assert.True(reported >= exact && reported - exact <= exact / 16,
                    $"p{p}: exact {exact}, reported {reported}, n={sorted.Length}");
                Assert.Equal(reported, h.ValueAtPercentile(p));
            }

            Assert.Equal(sorted.Length, snap.Count);
            Assert.Equal(sorted[0], snap.Min);
            Assert.Equal(sorted[^1], snap.Max);
            Assert.Equal(sorted[0], h.Min);
            Assert.Equal(sorted[^1], h.Max);
        });
    }

    [Fact]
    public void CountMinMaxMeanAreExact()
    {
        var h = new LatencyHistogram();
        Assert.Equal(0, h.Count);
        Assert.Equal(0, h.Min);
        Assert.Equal(0, h.Max);
        Assert.Equal(0, h.Mean);
        Assert.Equal(0, h.ValueAtPercentile(50));

        foreach (long v in new long[] { 1000, 7, 123_456_789, 42, -5 })
        {
            h.Record(v);
        }

        Assert.Equal(5, h.Count);
        Assert.Equal(0, h.Min); // negative values count as 0
        Assert.Equal(123_456_789, h.Max);
        Assert.Equal((1000 + 7 + 123_456_789 + 42) / 5.0, h.Mean);
        Assert.Equal(123_456_789, h.ValueAtPercentile(100));
        Assert.Equal(0, h.ValueAtPercentile(0));
    }

    [Fact]
    public void ConcurrentRecordingLosesNothing()
    {
        const int threads = 4;
        int perThread = 50_000 * Shared.TestThreads.StressFactor;
        var h = new LatencyHistogram();
        var tasks = new Task[threads];
        for (int t = 0; t < threads; t++)
        {
            int seed = t;
            tasks[t] = Shared.TestThreads.Start(() =>
            {
                // Thread t records t*1000 + (i % 1000): known sum, min and max.
                for (int i = 0; i < perThread; i++)
                {
                    h.Record((seed * 1000) + (i % 1000));
                }
            });
        }

        foreach (Task task in tasks)
        {
            Shared.TestThreads.Join(task, "a recording thread");
        }

        LatencyHistogramSnapshot s = h.Snapshot();
        Assert.Equal((long)threads * perThread, s.Count);
        Assert.Equal(s.Count, h.Count);
        Assert.Equal(0, s.Min);
        Assert.Equal(((threads - 1) * 1000) + 999, s.Max);
        long expectedSum = 0;
        for (int t = 0; t < threads; t++)
        {
            for (int i = 0; i < perThread; i++)
            {
                expectedSum += (t * 1000) + (i % 1000);
            }
        }

        Assert.Equal(expectedSum, s.Sum);
    }

    [Fact]
    public void SnapshotIsACopyAndResetEmpties()
    {
        var h = new LatencyHistogram();
        h.Record(10);
        h.Record(20);
        LatencyHistogramSnapshot s = h.Snapshot();
        h.Record(5000);
        Assert.Equal(2, s.Count);
        Assert.Equal(20, s.Max);
        Assert.Equal(3, h.Count);

        h.Reset();
        Assert.Equal(0, h.Count);
        Assert.Equal(0, h.Max);
        Assert.Equal(0, h.Snapshot().Count);
        h.Record(7);
        Assert.Equal(7, h.Min);
        Assert.Equal(7, h.Max);
    }

    [Fact]
    public void MergeAndZerosCombineDistributions()
    {
        var a = new LatencyHistogram();
        var b = new LatencyHistogram();
        a.Record(100);
        a.Record(300);
        b.Record(50);
        b.Record(10_000);

        LatencyHistogramSnapshot m = a.Snapshot().Merge(b.Snapshot());
        Assert.Equal(4, m.Count);
        Assert.Equal(50, m.Min);
        Assert.Equal(10_000, m.Max);
        Assert.Equal(10_450, m.Sum);
        Assert.Same(m, m.Merge(LatencyHistogramSnapshot.Empty));

        LatencyHistogramSnapshot z = m.WithZeros(4);
        Assert.Equal(8, z.Count);
        Assert.Equal(0, z.Min);
        Assert.Equal(0, z.ValueAtPercentile(50));
        Assert.Equal(10_000, z.Max);
        Assert.Equal(10_450.0 / 8, z.Mean);
        Assert.Equal(0, LatencyHistogramSnapshot.Empty.WithZeros(3).Max);
        Assert.Equal(3, LatencyHistogramSnapshot.Empty.WithZeros(3).Count);
    }
}
