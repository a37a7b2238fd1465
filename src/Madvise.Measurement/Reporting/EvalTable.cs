using System.Globalization;

namespace Madvise.Measurement.Reporting;

/// <summary>
/// The seed's table, measured here: one row per batch size, one column per profile or target
/// (mean time per pass ± the half-width of its 95% confidence interval, with warning flags),
/// then each simulated profile's ratio to PerRangeLock (BatchedLock/PerRangeLock is the seed's
/// after/before) with its interval; and, on request, the long form with every statistic.
/// </summary>
public static class EvalTable
{
    /// <summary>The flags a time cell may carry, as the header explains them.</summary>
    public const string FlagLegend =
        "flags: ? fewer than 5 passes (interval wide or missing), ~ noisy (coefficient of variation ≥ 10%), oN N outliers beyond Tukey's fences (kept in the mean)";

    /// <summary>The lines above the table: workload, machine, method, units, notes, and a partial-run warning.</summary>
    public static IReadOnlyList<string> HeaderLines(EvalReport report, bool details)
    {
        var m = report.Measurement;
        var spec = report.Spec;
        var lines = new List<string>
        {
            $"madv eval: MADV_{spec.HintName} over {ByteSize.Format(spec.Mem)} in {ByteSize.Format(spec.Unit)} units; batch 0 = madvise() per unit, batch N = process_madvise() on the own pidfd with N units per call",
            "machine: " + report.Machine.Describe() + (report.PinCpu is { } cpu ? string.Create(CultureInfo.InvariantCulture, $"; advising thread pinned to CPU {cpu}") : string.Empty),
            string.Create(CultureInfo.InvariantCulture, $"method: {EvalRunner.Method}; {report.Warmup} warm-up rounds, then {m.Rounds} rounds ({m.TypicalPasses} passes per configuration) in {Numbers.Duration(m.Elapsed)}"),
            "columns: simulated kernel profiles, then host (the running kernel)"
                + (report.ComparesThreads ? string.Create(CultureInfo.InvariantCulture, $", each with N threads (tN: the advising thread and N − 1 siblings that {SiblingText(report)} during each pass)") : string.Empty)
                + "; cells: mean ms per pass ± half-width of its 95% confidence interval (Student's t); "
                + (report.ComparesThreads ? "ratios: N threads / 1 thread of the same kernel" : "ratios: profile/PerRangeLock")
                + ", the median of all pairwise pass-time ratios [95% distribution-free interval (Mann–Whitney)]"
                + (SeedEvaluation.Matches(report.Spec) && !report.ComparesThreads ? "; seed after/before: the series' published ratio (Feb 2025, its own machine)" : string.Empty),
            FlagLegend,
        };
        if (details)
        {
            lines.Add("details: L = mmap_lock acquisitions per pass, T = TLB shootdowns per pass, R = remote TLB invalidations per pass (sim: other CPUs a shootdown visited; host: TLB shootdown interrupts on all CPUs, /proc/interrupts, machine-wide)");
        }

        if (spec.ThpName is { } thp)
        {
            lines.Add(ThpLine(m, thp));
        }

        if (HostShown(report))
        {
            lines.Add("host: these are a multi-threaded .NET process (runtime threads besides the advising one), not the seed's single-threaded C program; on Linux a sibling thread that ran on another CPU makes every TLB flush of the process take the multi-CPU path");
        }

        foreach (var note in report.Notes)
        {
            lines.Add("note: " + note);
        }

        if (m.Partial)
        {
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"PARTIAL: interrupted after {m.Rounds} complete rounds; the table holds what was measured so far"));
        }

        return lines;
    }

    /// <summary>
    /// The <c>--thp</c> line: the mode, what each pass starts from, and how many 2 MiB blocks
    /// huge pages backed after the last populate on each kernel.
    /// </summary>
    private static string ThpLine(Eval.EvalMeasurement m, string thp)
    {
        var blocks = new List<string>();
        foreach (var workload in m.Workloads)
        {
            if (workload.HugeBlocks >= 0)
            {
                blocks.Add(string.Create(CultureInfo.InvariantCulture, $"{workload.Label} {workload.HugeBlocks}/{workload.Spec.Mem >> 21}"));
            }
        }

        return $"thp: {thp}{(thp == "madvise" ? " (the buffer has MADV_HUGEPAGE)" : string.Empty)}; each pass starts from a fresh buffer (DONTNEED of all of it frees its page tables, then every page is written, so each 2 MiB block's first store may fault a huge page that the first unit in it splits); "
            + "2 MiB blocks backed by huge pages after populating: " + (blocks.Count == 0 ? "not measured" : string.Join(", ", blocks));
    }

    /// <summary>The table itself.</summary>
    public static TextGrid Build(EvalReport report, bool details)
    {
        var m = report.Measurement;
        var grid = new TextGrid().Column("batch");
        foreach (var workload in m.Workloads)
        {
            grid.Column(workload.Label);
        }

        var ratios = report.RatioPairs;
        foreach (var (numerator, denominator) in ratios)
        {
            grid.Column($"{m.Workloads[numerator].Label}/{m.Workloads[denominator].Label}");
        }

        var seed = SeedEvaluation.Matches(report.Spec) && ratios.Count > 0 && !report.ComparesThreads;
        if (seed)
        {
            grid.Column("seed after/before");
        }

        var typicalPasses = m.TypicalPasses;
        for (var b = 0; b < m.Batches.Count; b++)
        {
            var row = new List<TextGrid.Cell> { m.Batches[b].ToString(CultureInfo.InvariantCulture) };
            for (var w = 0; w < m.Workloads.Count; w++)
            {
                row.Add(TimeCell(m.Cell(w, b), typicalPasses, details));
            }

            foreach (var (numerator, denominator) in ratios)
            {
                row.Add(RatioCell(m.Cell(numerator, b), m.Cell(denominator, b)));
            }

            if (seed)
            {
                row.Add(SeedEvaluation.TryGet(m.Batches[b], out var before, out var after) ? Numbers.Ratio(after / before) : "-");
            }

            grid.Row([.. row]);
        }

        return grid;
    }

    /// <summary>The long form: one row per configuration with every statistic of its passes.</summary>
    public static TextGrid BuildStatistics(EvalReport report)
    {
        var grid = new TextGrid()
            .Column("kernel", rightAligned: false)
            .Column("batch")
            .Column("n")
            .Column("mean ms")
            .Column("95% CI ms")
            .Column("median ms")
            .Column("min ms")
            .Column("max ms")
            .Column("stdev ms")
            .Column("CV")
            .Column("outliers")
            .Column("warnings", rightAligned: false);
        foreach (var cell in report.Measurement.Cells)
        {
            if (!cell.IsMeasured)
            {
                grid.Row(cell.Workload.Label, cell.Batch.ToString(CultureInfo.InvariantCulture), "0", new TextGrid.Cell(cell.Error ?? "-", Error: cell.Error is not null), "", "", "", "", "", "", "", "");
                continue;
            }

            var t = cell.Time;
            grid.Row(
                cell.Workload.Label,
                cell.Batch.ToString(CultureInfo.InvariantCulture),
                t.Count.ToString(CultureInfo.InvariantCulture),
                Numbers.Milliseconds(t.Mean),
                t.MeanInterval is { } ci ? ci.Scale(1e-6).Format("0.00") : "-",
                Numbers.Milliseconds(t.Median),
                Numbers.Milliseconds(t.Min),
                Numbers.Milliseconds(t.Max),
                Numbers.Milliseconds(t.StandardDeviation),
                Numbers.Percent(t.CoefficientOfVariation),
                t.OutlierIndices.Count.ToString(CultureInfo.InvariantCulture),
                string.Join(", ", SampleWarningNames.Names(t.Warnings)));
        }

        return grid;
    }

    /// <summary>"? ~ o2": the flags of <paramref name="summary"/>'s warnings (empty when none).</summary>
    public static string Flags(SampleSummary summary)
    {
        var flags = new List<string>(3);
        if ((summary.Warnings & SampleWarnings.FewSamples) != 0)
        {
            flags.Add("?");
        }

        if ((summary.Warnings & SampleWarnings.Noisy) != 0)
        {
            flags.Add("~");
        }

        if (summary.OutlierIndices.Count > 0)
        {
            flags.Add(string.Create(CultureInfo.InvariantCulture, $"o{summary.OutlierIndices.Count}"));
        }

        return string.Join(' ', flags);
    }

    /// <summary>"sleep and wake every 1 ms" or "keep writing their own 64 pages".</summary>
    public static string SiblingText(EvalReport report) =>
        report.Settings.SiblingWork == SiblingWork.Touch ? "keep writing their own 64 pages" : "sleep and wake every 1 ms";

    /// <summary>True when a host column is shown.</summary>
    private static bool HostShown(EvalReport report)
    {
        foreach (var workload in report.Measurement.Workloads)
        {
            if (workload.Target == "host")
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// "121.28 ±4.60 ~", with "(n=3)" when this cell has another number of passes than most
    /// (a configuration that failed later, or an interrupted round), or the error.
    /// </summary>
    private static TextGrid.Cell TimeCell(EvalCell cell, int typicalPasses, bool details)
    {
        if (cell.Error is not null)
        {
            return new TextGrid.Cell(cell.Error, Error: true);
        }

        if (cell.Passes == 0)
        {
            return "-";
        }

        var t = cell.Time;
        var text = Numbers.Milliseconds(t.Mean) + (t.MeanInterval is { } ci ? " ±" + Numbers.Milliseconds(ci.Margin) : " ±?");
        if (Flags(t) is { Length: > 0 } flags)
        {
            text += " " + flags;
        }

        if (cell.Passes != typicalPasses)
        {
            text += string.Create(CultureInfo.InvariantCulture, $" (n={cell.Passes})");
        }

        if (details && DetailText(cell) is { } counters)
        {
            text += "\n" + counters;
        }

        return text;
    }

    /// <summary>"0.829 [0.790, 0.871]", "0.829 [?]" without an interval, or "-" when either side has no measurement.</summary>
    private static TextGrid.Cell RatioCell(EvalCell numerator, EvalCell denominator) =>
        numerator.IsMeasured && denominator.IsMeasured && RatioEstimate.Of(numerator.Samples, denominator.Samples) is { } r
            ? Numbers.Ratio(r.Value) + " " + (r.Interval is { } ci ? ci.Format("0.000") : "[?]")
            : "-";

    /// <summary>"L 65,792 T 65,536 R 0": per-pass counters; null where none is observable.</summary>
    private static string? DetailText(EvalCell cell)
    {
        var parts = new List<string>(3);
        if (cell.LocksPerPass is { } locks && cell.TlbFlushesPerPass is { } flushes)
        {
            parts.Add("L " + Numbers.Count(locks) + " T " + Numbers.Count(flushes));
        }

        if (cell.RemoteFlushesPerPass is { } remote)
        {
            parts.Add("R " + Numbers.Count(remote));
        }

        return parts.Count == 0 ? null : string.Join(' ', parts);
    }
}
