using HdrHistogram;
using Madvise.Compaction;
using Madvise.Compaction.Engine;

namespace Madvise.Measurement.Compaction;

/// <summary>
/// One (kernel, strategy) of <c>madv compact-bench</c> — or the kernel's writer alone — and what
/// its runs measured: the writer's latencies while the compactor worked, the compactor's calls,
/// CPU time and the memory it reclaimed.
/// </summary>
public sealed class CompactBenchRow
{
    /// <summary>Creates a row; <paramref name="strategy"/> null is the writer alone.</summary>
    public CompactBenchRow(ICompactBenchKernel kernel, CompactionOptions? strategy)
    {
        Label = kernel.Label;
        Kind = kernel.Kind;
        Profile = kernel.Profile;
        Strategy = strategy;
    }

    /// <summary>The kernel's label.</summary>
    public string Label { get; }

    /// <summary><c>sim</c> or <c>host</c>.</summary>
    public string Kind { get; }

    /// <summary>The simulated profile; null for the host.</summary>
    public string? Profile { get; }

    /// <summary>The strategy; null for the idle row.</summary>
    public CompactionOptions? Strategy { get; }

    /// <summary><c>idle</c>, <c>fixed</c> or <c>budget 1 ms</c>.</summary>
    public string StrategyLabel => Strategy switch
    {
        null => "idle",
        { Strategy: SizingStrategy.Fixed } => "fixed",
        { } s => "budget " + FormatBudget(s.Budget),
    };

    /// <summary>Writer latencies in ns, all runs merged (the idle row: the writer alone).</summary>
    public LongHistogram Writer { get; } = new(ContentionRow.HighestTrackableNanoseconds, 3);

    /// <summary>Wall time of every compactor call, all runs merged.</summary>
    public LongHistogram Calls { get; } = new(CompactionResult.HighestTrackableNanoseconds, 3);

    /// <summary>CPU time of every compactor call, all runs merged: what the cost model sizes, free of preemption.</summary>
    public LongHistogram CallsCpu { get; } = new(CompactionResult.HighestTrackableNanoseconds, 3);

    /// <summary>Each run's result.</summary>
    public List<CompactionResult> Runs { get; } = [];

    /// <summary>
    /// Each run's remote TLB invalidations (<see cref="ICompactBenchKernel.RemoteTlbFlushes"/>),
    /// null where not observable: what the compactor's flushes cost when the target runs on
    /// another CPU meanwhile, which a budget lets it do.
    /// </summary>
    public List<long?> RemoteTlbFlushes { get; } = [];

    /// <summary>Mean remote TLB invalidations per run; null without runs or where a run could not observe them.</summary>
    public double? MeanRemoteTlbFlushes => Runs.Count == 0 || RemoteTlbFlushes.Any(f => f is null) ? null : RemoteTlbFlushes.Average(f => (double)f!.Value);

    /// <summary>Why the row stopped being measured; null while it works.</summary>
    public string? Error { get; set; }

    /// <summary>Each run's reclaimed bytes per CPU-second of the compactor (runs that reclaimed nothing are left out).</summary>
    public IReadOnlyList<double> ReclaimedPerCpuSecond =>
        [.. Runs.Where(r => r.ReclaimedBytesPerCpuSecond is > 0).Select(r => r.ReclaimedBytesPerCpuSecond!.Value)];

    /// <summary>Mean calls per run.</summary>
    public double MeanCalls => Runs.Count == 0 ? 0 : Runs.Average(r => r.Calls);

    /// <summary>Mean compactor CPU time per run, in ns.</summary>
    public double MeanCpuNanoseconds => Runs.Count == 0 ? 0 : Runs.Average(r => (double)r.CpuNanoseconds);

    /// <summary>Mean resident memory reclaimed per run, in KiB.</summary>
    public double MeanReclaimedKiB => Runs.Count == 0 ? 0 : Runs.Average(r => (double)(r.ReclaimedKiB ?? 0));

    /// <summary>Calls over the budget, all runs.</summary>
    public int CallsOverBudget => Runs.Sum(r => r.CallsOverBudget);

    /// <summary>Adds a run, its writer's latencies and its remote TLB invalidations (null where not observable).</summary>
    public void Add(CompactionResult result, LongHistogram writer, long? remoteTlbFlushes = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(writer);
        Runs.Add(result);
        RemoteTlbFlushes.Add(remoteTlbFlushes);
        Writer.Add(writer);
        Calls.Add(result.CallWall);
        CallsCpu.Add(result.CallCpu);
    }

    /// <summary><c>1 ms</c>, <c>250 µs</c>.</summary>
    public static string FormatBudget(TimeSpan budget) => budget.TotalMilliseconds >= 1
        ? budget.TotalMilliseconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture) + " ms"
        : budget.TotalMicroseconds.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture) + " µs";
}
