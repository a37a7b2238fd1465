using HdrHistogram;
using Madvise.Compaction.Engine;
using Madvise.Kernel;
using Madvise.Measurement.Compaction;

namespace Madvise.Compaction.Tests.Bench;

/// <summary>The benchmark's structure and goal logic (never its timings).</summary>
public class CompactBenchTests
{
    private static CompactBenchSettings Small(params KernelProfile[] profiles) => new(
        16UL << 20, 64, 5, 64UL << 20, profiles, null, CompactionMode.All, TimeSpan.FromMilliseconds(1), 2, TimeSpan.FromMilliseconds(100), TimeSpan.FromMicroseconds(50));

    [Fact]
    public void EveryKernelGetsTheWriterAloneAndBothStrategiesOverTheSameMemory()
    {
        var m = CompactBenchRunner.Run(Small(KernelProfile.PerRangeLock, KernelProfile.BatchedLock), null, CancellationToken.None);

        Assert.False(m.Partial);
        Assert.Equal(["PerRangeLock", "BatchedLock"], m.Kernels);
        Assert.Equal(6, m.Rows.Count);
        foreach (var kernel in m.Kernels)
        {
            var idle = m.Row(kernel, "idle")!;
            var fixedRow = m.Row(kernel, "fixed")!;
            var budget = m.Row(kernel, "budget")!;
            Assert.Empty(idle.Runs);
            Assert.Null(fixedRow.Error);
            Assert.Null(budget.Error);
            Assert.Equal(2, fixedRow.Runs.Count);
            Assert.Equal(2, budget.Runs.Count);

            // Every run starts from the layout faulted back in and pages out the same anonymous memory.
            var reclaimed = fixedRow.Runs.Concat(budget.Runs).Select(r => r.ReclaimedKiB).Distinct().ToList();
            Assert.True(Assert.Single(reclaimed) > 8 * 1024, $"reclaimed {reclaimed[0]} KiB");
            Assert.True(budget.MeanCalls > fixedRow.MeanCalls);
            Assert.Equal(budget.Runs.Sum(r => r.Calls), budget.Calls.TotalCount);

            // The simulated kernel counts every remote invalidation of its shootdowns: one per run.
            Assert.Equal(budget.Runs.Count, budget.RemoteTlbFlushes.Count);
            Assert.All(fixedRow.RemoteTlbFlushes.Concat(budget.RemoteTlbFlushes), f => Assert.True(f >= 0, $"{f}"));
            Assert.NotNull(budget.MeanRemoteTlbFlushes);

            // The writer is a sleeping thread: on a loaded machine a short run may see none of its
            // calls, and a goal needs samples of both the writer alone and the budgeted runs.
            var sampled = idle.Writer.TotalCount > 0 && budget.Writer.TotalCount > 0;
            Assert.Equal(sampled, CompactBenchGoal.Of(m, kernel) is not null);
        }
    }

    [Fact]
    public void CancellationBeforeTheStartIsPartial()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        var m = CompactBenchRunner.Run(Small(KernelProfile.BatchedTlb), null, cancelled.Token);
        Assert.True(m.Partial);
        Assert.Empty(m.Rows);
    }

    [Fact]
    public void TheLatencyGoalIsTheBudgetPlusTheIdleP99()
    {
        var kernel = new NamedKernel("k");
        var idle = new CompactBenchRow(kernel, null);
        var fixedRow = new CompactBenchRow(kernel, new CompactionOptions { Strategy = SizingStrategy.Fixed });
        var budget = new CompactBenchRow(kernel, new CompactionOptions { Budget = TimeSpan.FromMilliseconds(1) });
        idle.Writer.RecordValueWithCount(20_000, 1000);
        fixedRow.Writer.RecordValueWithCount(50_000_000, 100);
        budget.Writer.RecordValueWithCount(900_000, 990);
        budget.Writer.RecordValueWithCount(1_100_000, 5);
        var m = new CompactBenchMeasurement([idle, fixedRow, budget], TimeSpan.Zero, false, []);
        var goal = CompactBenchGoal.Of(m, "k")!;

        Assert.InRange(goal.LimitNs, 1_020_000, 1_020_100);
        Assert.True(goal.LatencyMet);
        Assert.Null(goal.Efficiency);
        Assert.Null(goal.EfficiencyMet);

        budget.Writer.RecordValueWithCount(1_100_000, 20);
        Assert.False(CompactBenchGoal.Of(m, "k")!.LatencyMet);
    }

    /// <summary>A kernel that is only a name (for rows built by hand).</summary>
    private sealed class NamedKernel(string label) : ICompactBenchKernel
    {
        public string Label => label;

        public string Kind => "sim";

        public string? Profile => label;

        public int? CompactorCpu => null;

        public ICompactionTarget Target => throw new NotSupportedException();

        public void Touch() => throw new NotSupportedException();

        public void StartWriter() => throw new NotSupportedException();

        public LongHistogram StopWriter() => throw new NotSupportedException();

        public long RemoteTlbFlushes() => throw new NotSupportedException();

        public void Dispose()
        {
        }
    }
}
