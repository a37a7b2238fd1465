namespace Madvise.Measurement.Compaction;

/// <summary>Everything <c>madv compact-bench</c> measured.</summary>
/// <param name="Rows">Per kernel: idle, fixed, budget.</param>
/// <param name="Elapsed">Wall time of the run.</param>
/// <param name="Partial">True when Ctrl+C stopped it early.</param>
/// <param name="Notes">What the reader should know (a kernel left out, no swap on the host).</param>
public sealed record CompactBenchMeasurement(IReadOnlyList<CompactBenchRow> Rows, TimeSpan Elapsed, bool Partial, IReadOnlyList<string> Notes)
{
    /// <summary>The kernels, in order.</summary>
    public IEnumerable<string> Kernels => Rows.Select(r => r.Label).Distinct();

    /// <summary>The row of <paramref name="kernel"/> with <paramref name="strategy"/> (<c>idle</c>, <c>fixed</c>, <c>budget ...</c>).</summary>
    public CompactBenchRow? Row(string kernel, string strategy) =>
        Rows.FirstOrDefault(r => r.Label == kernel && (r.StrategyLabel == strategy || (strategy == "budget" && r.StrategyLabel.StartsWith("budget", StringComparison.Ordinal))));
}
