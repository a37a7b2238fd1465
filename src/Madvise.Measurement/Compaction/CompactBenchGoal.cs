namespace Madvise.Measurement.Compaction;

/// <summary>
/// The goal set for the budget, judged on one kernel: with a budget B, the writer's p99 wait
/// while the budgeted engine compacts stays within B + the writer's p99 alone, and the budgeted
/// engine reclaims at least <see cref="EfficiencyGoal"/> of the fixed batches' bytes per
/// CPU-second.
/// </summary>
/// <param name="Kernel">The kernel.</param>
/// <param name="IdleP99">The writer's p99 alone, ns.</param>
/// <param name="FixedP99">The writer's p99 during fixed batching, with its interval.</param>
/// <param name="BudgetP99">The writer's p99 during the budgeted engine, with its interval.</param>
/// <param name="LimitNs">Budget + <paramref name="IdleP99"/>.</param>
/// <param name="Efficiency">Budget ÷ fixed bytes reclaimed per CPU-second (Hodges–Lehmann ratio of the runs, 95% interval); null without reclaim.</param>
public sealed record CompactBenchGoal(string Kernel, long IdleP99, QuantileEstimate FixedP99, QuantileEstimate BudgetP99, long LimitNs, RatioEstimate? Efficiency)
{
    /// <summary>The share of the fixed batches' reclaim per CPU-second the budget must keep.</summary>
    public const double EfficiencyGoal = 0.95;

    /// <summary>True when the budgeted engine's writer p99 is within the limit.</summary>
    public bool LatencyMet => BudgetP99.Count > 0 && BudgetP99.Value <= LimitNs;

    /// <summary>True when the ratio reaches the goal; null without a ratio.</summary>
    public bool? EfficiencyMet => Efficiency is { } e ? e.Value >= EfficiencyGoal : null;

    /// <summary>The goal of <paramref name="kernel"/> from its rows; null unless it has idle, fixed and budget rows with writer samples.</summary>
    public static CompactBenchGoal? Of(CompactBenchMeasurement measurement, string kernel)
    {
        ArgumentNullException.ThrowIfNull(measurement);
        var idle = measurement.Row(kernel, "idle");
        var fixedRow = measurement.Row(kernel, "fixed");
        var budget = measurement.Row(kernel, "budget");
        if (idle is null || fixedRow is null || budget is null || idle.Writer.TotalCount == 0 || budget.Writer.TotalCount == 0 || budget.Strategy is null)
        {
            return null;
        }

        var idleP99 = idle.Writer.GetValueAtPercentile(99);
        var limit = (long)(budget.Strategy.Budget.TotalMilliseconds * 1e6) + idleP99;
        var fixedRates = fixedRow.ReclaimedPerCpuSecond;
        var budgetRates = budget.ReclaimedPerCpuSecond;
        var ratio = fixedRates.Count > 0 && budgetRates.Count > 0 ? RatioEstimate.Of(budgetRates, fixedRates) : null;
        return new CompactBenchGoal(kernel, idleP99, QuantileEstimate.Of(fixedRow.Writer, 99), QuantileEstimate.Of(budget.Writer, 99), limit, ratio);
    }
}
