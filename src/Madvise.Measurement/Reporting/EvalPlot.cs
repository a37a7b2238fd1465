using ScottPlot;

namespace Madvise.Measurement.Reporting;

/// <summary>
/// <c>madv eval --plot</c>: time per pass against batch size (log₂ axis), one line per profile or
/// target, each normalised to its own madvise() loop (batch 0 = 1), with ±1 standard deviation
/// bars. Lines below 1 are cheaper than advising unit by unit. For the seed's own workload the
/// series' published before/after lines are drawn in grey for comparison.
/// </summary>
public static class EvalPlot
{
    /// <summary>Builds the plot; null when no line has both a baseline and a vector point.</summary>
    public static Plot? Build(EvalReport report)
    {
        var m = report.Measurement;
        // Batches ascend: row 0 is the madvise() loop when measured, else the smallest vector.
        const int baseRow = 0;
        var plot = new Plot();
        PlotFile.Style(plot);
        var palette = new ScottPlot.Palettes.Category10();
        var lines = 0;
        for (var w = 0; w < m.Workloads.Count; w++)
        {
            var baseline = m.Cell(w, baseRow);
            if (baseline.Error is not null || baseline.Passes == 0)
            {
                continue;
            }

            var xs = new List<double>();
            var ys = new List<double>();
            var errorsLow = new List<double>();
            var errorsHigh = new List<double>();
            for (var b = 0; b < m.Batches.Count; b++)
            {
                var cell = m.Cell(w, b);
                if (m.Batches[b] == 0 || !cell.IsMeasured || RatioEstimate.Of(cell.Samples, baseline.Samples) is not { } r)
                {
                    continue;
                }

                xs.Add(Math.Log2(m.Batches[b]));
                ys.Add(r.Value);
                errorsLow.Add(r.Interval is { } ci ? r.Value - ci.Lower : 0);
                errorsHigh.Add(r.Interval is { } ci2 ? ci2.Upper - r.Value : 0);
            }

            if (xs.Count == 0)
            {
                continue;
            }

            var color = palette.GetColor(lines++);
            var line = plot.Add.Scatter(xs.ToArray(), ys.ToArray(), color);
            line.LegendText = m.Workloads[w].Target == "sim" ? m.Workloads[w].Label + " (sim)" : m.Workloads[w].Label + " (" + report.Machine.Kernel + ")";
            line.LineWidth = 2;
            line.MarkerSize = 6;
            line.LinePattern = m.Workloads[w].Target == "sim" ? LinePattern.Solid : LinePattern.Dashed;
            var none = new double[xs.Count];
            var bars = new ScottPlot.Plottables.ErrorBar(xs, ys, none, none, errorsLow, errorsHigh) { Color = color };
            plot.Add.Plottable(bars);
        }

        if (lines == 0)
        {
            return null;
        }

        if (SeedEvaluation.Matches(report.Spec) && m.Batches[baseRow] == 0)
        {
            AddSeedLines(plot, m.Batches);
        }

        var reference = plot.Add.HorizontalLine(1);
        reference.Color = Colors.Gray;
        reference.LinePattern = LinePattern.Dotted;
        reference.LegendText = m.Batches[baseRow] == 0 ? "madvise() loop" : $"batch {m.Batches[baseRow]}";

        var ticks = new List<double>();
        var labels = new List<string>();
        foreach (var batch in m.Batches)
        {
            if (batch > 0)
            {
                ticks.Add(Math.Log2(batch));
                labels.Add(batch.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks.ToArray(), labels.ToArray());
        plot.Title($"MADV_{report.Spec.HintName} over {ByteSize.Format(report.Spec.Mem)} in {ByteSize.Format(report.Spec.Unit)} units" + (m.Partial ? " (partial)" : string.Empty));
        plot.XLabel("process_madvise() batch size (ranges per call)");
        plot.YLabel(m.Batches[baseRow] == 0 ? "time per pass / madvise() loop" : $"time per pass / batch {m.Batches[baseRow]}");
        plot.Axes.Margins(0.05, 0.1);
        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }

    /// <summary>The series' published before and after times, each normalised to its own madvise() loop, in grey.</summary>
    private static void AddSeedLines(Plot plot, IReadOnlyList<int> batches)
    {
        SeedEvaluation.TryGet(0, out var before0, out var after0);
        var xs = new List<double>();
        var before = new List<double>();
        var after = new List<double>();
        foreach (var batch in batches)
        {
            if (batch > 0 && SeedEvaluation.TryGet(batch, out var b, out var a))
            {
                xs.Add(Math.Log2(batch));
                before.Add(b / before0);
                after.Add(a / after0);
            }
        }

        foreach (var (ys, name, pattern) in new[] { (before, "seed before (published)", LinePattern.Dashed), (after, "seed after (published)", LinePattern.Solid) })
        {
            var line = plot.Add.Scatter(xs.ToArray(), ys.ToArray(), Colors.Gray);
            line.LegendText = name;
            line.LinePattern = pattern;
            line.LineWidth = 1.5f;
            line.MarkerSize = 4;
        }
    }

    /// <summary>Renders the plot into <paramref name="path"/>; false when there is nothing to draw.</summary>
    public static bool Save(EvalReport report, string path)
    {
        var plot = Build(report);
        if (plot is null)
        {
            return false;
        }

        PlotFile.Save(plot, path);
        return true;
    }
}
