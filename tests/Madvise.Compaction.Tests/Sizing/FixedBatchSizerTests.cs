using Madvise.Compaction.Planning;
using Madvise.Compaction.Sizing;

namespace Madvise.Compaction.Tests.Sizing;

public class FixedBatchSizerTests
{
    private const ulong P = PageSize.PAGE_SIZE;

    private static CompactionPhase Phase(params ulong[] pages)
    {
        var ranges = new PlannedRange[pages.Length];
        ulong at = 1UL << 32;
        for (var i = 0; i < pages.Length; i++)
        {
            ranges[i] = new PlannedRange(at, at + (pages[i] * P), false);
            at += (pages[i] + 1) * P;
        }

        return new CompactionPhase(MemoryAdvice.MADV_PAGEOUT, ranges);
    }

    /// <summary>Every vector of the phase when every call completes.</summary>
    private static List<IoVec[]> Vectors(IVectorSizer sizer, CompactionPhase phase)
    {
        var vector = new IoVec[IoVec.UIO_MAXIOV];
        var cursor = default(PlanCursor);
        var all = new List<IoVec[]>();
        while (!cursor.AtEnd(phase.Ranges))
        {
            var n = sizer.Fill(phase, cursor, vector, out var shape);
            all.Add(vector[..n]);
            cursor.Consume(phase.Ranges, shape.Bytes);
        }

        return all;
    }

    [Fact]
    public void BatchesHoldUpToUioMaxiovVmas()
    {
        var phase = Phase([.. Enumerable.Repeat(1UL, 2500)]);
        var vectors = Vectors(new FixedBatchSizer(IoVec.UIO_MAXIOV, IoVec.MAX_RW_COUNT), phase);
        Assert.Equal([1024, 1024, 452], vectors.Select(v => v.Length));
        Assert.Equal(phase.Ranges.Select(r => r.Start), vectors.SelectMany(v => v).Select(v => v.Base));
    }

    [Fact]
    public void ByteCapSplitsTheVmaItFallsIn()
    {
        // 3 + 5 + 4 pages with a 6-page cap: [3, 3] then [2, 4] (Android splits the VMA at the cap).
        var phase = Phase(3, 5, 4);
        var vectors = Vectors(new FixedBatchSizer(1024, 6 * P), phase);
        Assert.Equal(2, vectors.Count);
        Assert.Equal([3 * P, 3 * P], vectors[0].Select(v => v.Len));
        Assert.Equal([2 * P, 4 * P], vectors[1].Select(v => v.Len));
        Assert.Equal(phase.Ranges[1].Start + (3 * P), vectors[1][0].Base);
    }

    [Fact]
    public void AVmaLargerThanTwoCapsTakesThreeCalls()
    {
        var phase = Phase(10);
        var vectors = Vectors(new FixedBatchSizer(1024, 4 * P), phase);
        Assert.Equal([4 * P, 4 * P, 2 * P], vectors.Select(v => v[0].Len));
    }

    [Fact]
    public void AfterPartialProgressTheRestOfTheSameBatchIsSent()
    {
        // Android re-sends what is left of the batch, not a new batch of 1024 from the new position.
        var phase = Phase([.. Enumerable.Repeat(1UL, 1500)]);
        var sizer = new FixedBatchSizer(IoVec.UIO_MAXIOV, IoVec.MAX_RW_COUNT);
        var vector = new IoVec[IoVec.UIO_MAXIOV];
        var cursor = default(PlanCursor);
        Assert.Equal(1024, sizer.Fill(phase, cursor, vector, out _));
        cursor.Consume(phase.Ranges, 10 * P);
        Assert.Equal(1014, sizer.Fill(phase, cursor, vector, out _));
        cursor.Consume(phase.Ranges, 1014 * P);
        Assert.Equal(476, sizer.Fill(phase, cursor, vector, out _));
    }
}
