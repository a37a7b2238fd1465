using System.Globalization;
using Madvise.Cli.Eval;
using Spectre.Console;

namespace Madvise.Cli.Report;

/// <summary>
/// The seed's table, measured here: one row per batch size, one column per profile or target
/// (mean time per pass ± standard deviation), then each simulated profile's ratio to
/// PerRangeLock (BatchedLock/PerRangeLock is the seed's after/before).
/// </summary>
internal static class EvalTable
{
    /// <summary>Writes the header lines and the table to <paramref name="console"/>.</summary>
    /// <param name="console">Where to write.</param>
    /// <param name="report">What to write.</param>
    /// <param name="details">Adds the simulated kernel's mmap_lock acquisitions (L) and TLB shootdowns (T) per pass to its cells.</param>
    /// <param name="markdown">A Markdown table without colours (for READMEs) instead of a boxed one.</param>
    public static void Write(IAnsiConsole console, EvalReport report, bool details, bool markdown)
    {
        // Straight to the writer: Spectre would wrap long lines at the console's width.
        var writer = console.Profile.Out.Writer;
        foreach (var line in HeaderLines(report, details))
        {
            writer.WriteLine(line);
        }

        writer.WriteLine();
        var grid = Build(report, details);
        if (markdown)
        {
            grid.WriteMarkdown(writer);
        }
        else
        {
            console.Write(grid.ToSpectre());
        }
    }

    /// <summary>The lines above the table: workload, machine, method, units, notes, and a partial-run warning.</summary>
    public static IReadOnlyList<string> HeaderLines(EvalReport report, bool details)
    {
        var m = report.Measurement;
        var spec = report.Spec;
        var lines = new List<string>
        {
            $"madv eval: MADV_{spec.HintName} over {ByteSize.Format(spec.Mem)} in {ByteSize.Format(spec.Unit)} units; batch 0 = madvise() per unit, batch N = process_madvise() on the own pidfd with N units per call",
            "machine: " + report.Machine.Describe(),
            string.Create(CultureInfo.InvariantCulture, $"method: {EvalRunner.Method}; {m.Rounds} rounds ({m.TypicalPasses} passes per configuration) in {Numbers.Duration(m.Elapsed)}"),
            "columns: simulated kernel profiles, then host (the running kernel); cells: mean ms per pass ± standard deviation (% of mean); ratios: profile/PerRangeLock ± propagated standard deviation"
                + (SeedEvaluation.Matches(report.Spec) ? "; seed after/before: the series' published ratio (Feb 2025, its own machine)" : string.Empty),
        };
        if (details)
        {
            lines.Add("details: L = mmap_lock acquisitions per pass, T = TLB shootdowns per pass (simulated kernel's counters)");
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

    /// <summary>The table itself.</summary>
    public static TextGrid Build(EvalReport report, bool details)
    {
        var m = report.Measurement;
        var grid = new TextGrid().Column("batch");
        foreach (var workload in m.Workloads)
        {
            grid.Column(Header(workload));
        }

        var baseline = report.BaselineIndex;
        var ratios = report.RatioIndices;
        foreach (var index in ratios)
        {
            grid.Column($"{m.Workloads[index].Label}/{EvalReport.BaselineProfile}");
        }

        var seed = SeedEvaluation.Matches(report.Spec) && ratios.Count > 0;
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

            foreach (var index in ratios)
            {
                row.Add(RatioCell(m.Cell(index, b), m.Cell(baseline, b)));
            }

            if (seed)
            {
                row.Add(SeedEvaluation.TryGet(m.Batches[b], out var before, out var after) ? Numbers.Ratio(after / before) : "-");
            }

            grid.Row([.. row]);
        }

        return grid;
    }

    /// <summary>The column title: the simulated profile, or <c>host</c>.</summary>
    private static string Header(IAdviceWorkload workload) => workload.Label;

    /// <summary>
    /// "121.28 ±4.6%", with "(n=3)" when this cell has another number of passes than most
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

        var text = Numbers.Milliseconds(cell.Time.Mean) + " ±" + Numbers.Percent(cell.Time.RelativeStandardDeviation);
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

    /// <summary>"0.829 ±0.041", or "-" when either side has no measurement.</summary>
    private static TextGrid.Cell RatioCell(EvalCell numerator, EvalCell denominator) =>
        Ratio.Of(numerator, denominator) is { } r
            ? Numbers.Ratio(r.Value) + " ±" + Numbers.Ratio(r.StandardDeviation)
            : "-";

    /// <summary>"L 65,792 T 65,536": mmap_lock acquisitions and TLB shootdowns per pass; null where not observable (host).</summary>
    private static string? DetailText(EvalCell cell) =>
        cell.LocksPerPass is { } locks && cell.TlbFlushesPerPass is { } flushes
            ? "L " + Numbers.Count(locks) + " T " + Numbers.Count(flushes)
            : null;
}
