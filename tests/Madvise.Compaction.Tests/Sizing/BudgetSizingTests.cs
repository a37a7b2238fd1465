using Madvise.Compaction.Engine;
using Madvise.Compaction.Tests.Shared;
using static Madvise.Compaction.Tests.Shared.Layouts;

namespace Madvise.Compaction.Tests.Sizing;

/// <summary>
/// The budget strategy against a scripted cost model on a fake clock (4 µs per resident page,
/// 5 ns per page walked, 300 ns per range, 2 µs per call): what the sizing guarantees, with no
/// real time involved.
/// </summary>
public class BudgetSizingTests
{
    private static readonly CompactionOptions OneMillisecond = new() { Strategy = SizingStrategy.Budget, Budget = TimeSpan.FromMilliseconds(1), Mode = CompactionMode.Anon };

    private const long Budget = 1_000_000;

    [Fact]
    public void OnDenseMemoryEveryCallStaysWithinTheBudgetAndCallsAreNotWasted()
    {
        var target = Target(Anon(4096, 1, 1, 1, 1, 1, 1, 1, 1));
        var (result, calls) = Run(target, OneMillisecond);

        Assert.Equal(CompactionOutcome.Completed, result.Outcome);
        Assert.All(target.Calls, c => Assert.True(c.Cost <= Budget, $"a call cost {c.Cost} ns"));

        // 32,768 resident pages at 4 µs: 131 ms of work, 262 calls at the 0.5 ms target.
        var work = target.Calls.Sum(c => c.Cost);
        Assert.InRange(calls.Count, (int)(work / Budget), (int)(work / (Budget / 2) * 1.3));
        Assert.Equal(8UL * 4096 * P, result.BytesAdvised);
        Assert.Equal(0, result.CallsOverBudget);
        Assert.Equal(result.Calls, calls.Count);
    }

    [Fact]
    public void AVmaLargerThanTheBudgetIsSplitAtPagesAndCoveredExactlyOnce()
    {
        var target = Target(Anon(16384, 1));
        var (result, _) = Run(target, OneMillisecond);
        var entries = target.Calls.SelectMany(c => c.Vector).ToList();

        Assert.True(target.Calls.Count > 100);
        Assert.All(entries, e => Assert.True(PageSize.IsAligned(e.Base) && PageSize.IsAligned(e.Len) && e.Len > 0));
        var at = 1UL << 32;
        foreach (var e in entries)
        {
            Assert.Equal(at, e.Base);
            at += e.Len;
        }

        Assert.Equal((1UL << 32) + (16384 * P), at);
        Assert.Equal(16384 * P, result.BytesAdvised);
    }

    [Fact]
    public void CallsShrinkWhenMemoryTurnsDenserAndFillTheTargetThere()
    {
        // Quarter-resident memory, then fully resident memory: the first dense call costs more
        // than predicted, the model learns it, and the calls after it carry fewer bytes and cost
        // about the target (half the budget).
        var target = Target(Anon(8192, 0.25, 1));
        Run(target, OneMillisecond);
        var boundary = (1UL << 32) + (8193 * P);
        var sparse = target.Calls.Where(c => c.Vector.All(v => v.Base < boundary)).ToList();
        var dense = target.Calls.Where(c => c.Vector[0].Base >= boundary).Skip(2).SkipLast(1).ToList();

        static double Bytes((IoVec[] Vector, MemoryAdvice, long, long) c) => c.Vector.Sum(v => (double)v.Len);
        Assert.True(dense.Average(Bytes) < Bytes(sparse[^1]), $"dense {dense.Average(Bytes)} last sparse {Bytes(sparse[^1])}");
        Assert.All(dense, c => Assert.InRange(c.Cost, Budget / 2 * 0.9, Budget / 2 * 1.1));
        Assert.True(target.Calls.Count(c => c.Cost > Budget) <= 1);
    }

    [Fact]
    public void AfterEmptyMemoryTheFirstDenseCallsMayOverrunBoundedlyAndNeverAgain()
    {
        // The documented limit: 64 MiB of untouched memory teach the model that memory is cheap
        // (the envelope decays 3 % per call); the first calls into resident memory overrun, by a
        // bounded factor, until the envelope has risen to what resident memory costs.
        var target = Target(Anon(16384, 0, 1, 1));
        var (result, _) = Run(target, OneMillisecond);
        var over = target.Calls.Select((c, i) => (c.Cost, i)).Where(x => x.Cost > Budget).ToList();

        Assert.InRange(over.Count, 0, 2);
        Assert.All(over, x => Assert.True(x.Cost < 3 * Budget, $"call {x.i} cost {x.Cost} ns"));
        if (over.Count > 0)
        {
            Assert.All(target.Calls.Skip(over[^1].i + 1), c => Assert.True(c.Cost <= Budget));
        }

        Assert.Equal(over.Count, result.CallsOverBudget);
    }

    [Fact]
    public void CallsGrowAtMostTwofoldPerCallWhileMemoryIsCheap()
    {
        var target = Target(Anon(65536, 0));
        var (_, calls) = Run(target, OneMillisecond);
        for (var i = 1; i < calls.Count; i++)
        {
            Assert.True(calls[i].Bytes <= 2 * calls.Take(i).Max(c => c.Bytes), $"call {i}: {calls[i].Bytes} bytes");
        }

        // The envelope decays 3 % per call: 256 MiB of empty memory take about a hundred calls of
        // 2 µs each, where resident memory would take 2,100 calls of 0.5 ms.
        Assert.InRange(calls.Count, 10, 128);
    }

    [Fact]
    public void AReservationIsAdvisedInFewCalls()
    {
        var mappings = Anon(256, 1, 1);
        mappings.Insert(1, (ScriptedTarget.Reserved((1UL << 32) + (257 * P), 262144), 0));
        var target = Target(mappings);
        Run(target, OneMillisecond);
        var reservation = target.Calls.Count(c => c.Vector.Any(v => v.Base >= (1UL << 32) + (257 * P) && v.Base < (1UL << 32) + ((257 + 262144) * P)));
        Assert.InRange(reservation, 1, 8);
    }

    [Fact]
    public void PredictionsFollowTheCostOnceLearned()
    {
        var target = Target(Anon(4096, 1, 1, 1, 1));
        var (_, calls) = Run(target, OneMillisecond);
        var errors = calls.Skip(5).Select(c => Math.Abs(c.CpuNanoseconds - c.PredictedNanoseconds!.Value) / c.CpuNanoseconds).ToList();
        Assert.True(errors.Average() < 0.1, $"mean prediction error {errors.Average():P0}");
    }

    [Fact]
    public void FixedBatchingIgnoresCost()
    {
        var target = Target(Anon(4096, 1, 1, 1, 1, 1, 1, 1, 1));
        var (result, _) = Run(target, OneMillisecond with { Strategy = SizingStrategy.Fixed });
        var call = Assert.Single(target.Calls);
        Assert.Equal(8, call.Vector.Length);
        Assert.Equal(1, result.CallsOverBudget);
        Assert.Null(result.Errors.FirstOrDefault());
    }
}
