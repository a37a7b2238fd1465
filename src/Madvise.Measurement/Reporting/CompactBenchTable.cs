using System.Globalization;
using HdrHistogram;

namespace Madvise.Measurement.Reporting;

/// <summary>
/// <c>madv compact-bench</c>'s tables: per kernel the writer alone, during fixed batching and
/// during the budgeted engine (its latency, the compactor's calls, CPU time and reclaim), then the
/// goal judged on each kernel.
/// </summary>
public static class CompactBenchTable
{
    /// <summary>The lines above the tables.</summary>
    public static IReadOnlyList<string> HeaderLines(CompactBenchReport report)
    {
        var s = report.Settings;
        var m = report.Measurement;
        var lines = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture, $"madv compact-bench: a target of {s.Vmas:#,0} generated mappings touching {ByteSize.Format(s.Mem)} (seed {s.Seed}) compacted in mode {s.Mode.ToString().ToLowerInvariant()} by Android's fixed batches (1,024 VMAs / 2 GiB per call) and by the budgeted engine ({CompactBenchRow.FormatBudget(s.Budget)} per call), while a thread of the target does mmap(MAP_FIXED)+munmap of a page of its own, at most one call per {s.WriterInterval.TotalMicroseconds:0.##} µs"),
            "machine: " + report.Machine.Describe(),
            string.Create(CultureInfo.InvariantCulture, $"method: {CompactBenchRunner.Method}; {s.Runs} runs per strategy, the writer alone for {s.IdleTime.TotalSeconds:0.##} s; simulated kernels with {ByteSize.Format(s.SwapBytes)} of swap; run took {Numbers.Duration(m.Elapsed)}"),
            "columns: writer latency in µs (HdrHistogram; p99 with its distribution-free 95% CI, '(<10 above)' when it rests on fewer than 10 samples); calls = process_madvise() calls per run, their wall time in µs (what the writer waits for), how many exceeded the budget, and their CPU time's p99 (what the cost model sizes: wall minus preemption and lock waits); remote TLB flushes = other CPUs a simulated shootdown visited, on the host the machine's TLB shootdown interrupts (/proc/interrupts), per run; CPU = the compacting thread's CPU time per run; reclaimed = RSS before − after per run; MiB/CPU-s = reclaimed per second of that CPU time (mean of the runs ± 95% CI)",
        };
        foreach (var note in m.Notes)
        {
            lines.Add("note: " + note);
        }

        if (m.Partial)
        {
            lines.Add("PARTIAL: interrupted; the tables hold what was measured so far");
        }

        return lines;
    }

    /// <summary>The measurement table.</summary>
    public static TextGrid Build(CompactBenchReport report)
    {
        var grid = new TextGrid()
            .Column("kernel", rightAligned: false)
            .Column("compactor", rightAligned: false)
            .Column("runs")
            .Column("writer samples")
            .Column("writer p50 µs")
            .Column("writer p99 µs")
            .Column("p99 95% CI µs")
            .Column("writer max µs")
            .Column("calls/run")
            .Column("call p50 µs")
            .Column("call p99 µs")
            .Column("call max µs")
            .Column("call CPU p99 µs")
            .Column("over budget")
            .Column("remote TLB flushes/run")
            .Column("CPU ms/run")
            .Column("reclaimed MiB/run")
            .Column("MiB/CPU-s");
        foreach (var row in report.Measurement.Rows)
        {
            var h = row.Writer;
            var sampled = h.TotalCount > 0;
            var q = sampled ? QuantileEstimate.Of(h, 99) : null;
            var idle = row.Strategy is null;
            var calls = row.Calls.TotalCount > 0;
            var rates = SampleSummary.Of(row.ReclaimedPerCpuSecond.Select(r => r / (1 << 20)));
            grid.Row(
                row.Label,
                row.Error is null ? row.StrategyLabel : new TextGrid.Cell(row.StrategyLabel + ": " + row.Error, Error: true),
                idle ? "-" : row.Runs.Count.ToString(CultureInfo.InvariantCulture),
                Numbers.Count(h.TotalCount),
                sampled ? Numbers.Microseconds(h.GetValueAtPercentile(50)) : "-",
                sampled ? Numbers.Microseconds(q!.Value) : "-",
                q?.Interval is { } ci ? ci.Scale(1e-3).Format("0.0") + (q.IsThin ? " (<10 above)" : string.Empty) : "-",
                sampled ? Numbers.Microseconds(h.GetMaxValue()) : "-",
                idle ? "-" : Numbers.Count(row.MeanCalls),
                calls ? Numbers.Microseconds(row.Calls.GetValueAtPercentile(50)) : "-",
                calls ? Numbers.Microseconds(row.Calls.GetValueAtPercentile(99)) : "-",
                calls ? Numbers.Microseconds(row.Calls.GetMaxValue()) : "-",
                calls ? Numbers.Microseconds(row.CallsCpu.GetValueAtPercentile(99)) : "-",
                idle ? "-" : Numbers.Count(row.CallsOverBudget),
                row.MeanRemoteTlbFlushes is { } flushes ? Numbers.Count(flushes) : "-",
                idle ? "-" : Numbers.Milliseconds(row.MeanCpuNanoseconds),
                idle ? "-" : Numbers.Rate(row.MeanReclaimedKiB / 1024),
                rates.Count == 0 ? "-" : Numbers.Rate(rates.Mean) + (rates.MeanInterval is { } mi ? " ± " + Numbers.Rate(mi.Margin) : string.Empty));
        }

        return grid;
    }

    /// <summary>The goal table: per kernel, the budgeted writer p99 against budget + idle p99, and budget ÷ fixed reclaim per CPU-second against 0.95.</summary>
    public static TextGrid BuildGoals(CompactBenchReport report)
    {
        var grid = new TextGrid()
            .Column("kernel", rightAligned: false)
            .Column("idle p99 µs")
            .Column("limit µs (budget + idle p99)")
            .Column("fixed p99 µs")
            .Column("budget p99 µs")
            .Column("p99 within limit", rightAligned: false)
            .Column("budget/fixed MiB per CPU-s")
            .Column("95% CI")
            .Column(string.Create(CultureInfo.InvariantCulture, $"≥ {CompactBenchGoal.EfficiencyGoal:0.00}"), rightAligned: false);
        foreach (var g in report.Goals)
        {
            grid.Row(
                g.Kernel,
                Numbers.Microseconds(g.IdleP99),
                Numbers.Microseconds(g.LimitNs),
                Numbers.Microseconds(g.FixedP99.Value),
                Numbers.Microseconds(g.BudgetP99.Value),
                g.LatencyMet ? "yes" : new TextGrid.Cell("no", Error: true),
                g.Efficiency is { } e ? Numbers.Ratio(e.Value) : "-",
                g.Efficiency?.Interval is { } ci ? ci.Format("0.000") : "-",
                g.EfficiencyMet switch
                {
                    true => "yes",
                    false => new TextGrid.Cell("no", Error: true),
                    null => "-",
                });
        }

        return grid;
    }
}
