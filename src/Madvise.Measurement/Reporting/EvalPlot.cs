using System.Globalization;
using ScottPlot;

namespace Madvise.Measurement.Reporting;

/// <summary>
/// <c>madv eval --plot</c>: two panels against batch size (the madvise() loop at the left, then a
/// log₂ axis). Left, relative (log scale): each kernel's time per pass over its own madvise() loop — or, when
/// several thread counts were measured, each kernel at N threads over the same kernel with one —
/// with 95% distribution-free intervals of the ratio, and the series' published lines in grey
/// for its own workload. Right, absolute: mean ms per pass on a log scale with the 95% confidence
/// interval of the mean, which shows what the left hides (the host is several times slower than
/// the simulator). Points whose sample draws a warning (few passes, noisy) are open markers.
/// </summary>
public static class EvalPlot
{
    /// <summary>Where the madvise() loop sits on the x axis (left of batch 1 at 0).</summary>
    private const double MadviseX = -1.5;

    /// <summary>Builds the panels; empty when nothing was measured.</summary>
    public static IReadOnlyList<Plot> Build(EvalReport report)
    {
        var relative = BuildRelative(report);
        var absolute = BuildAbsolute(report);
        return absolute is null ? [] : relative is null ? [absolute] : [relative, absolute];
    }

    /// <summary>Renders the panels into <paramref name="path"/>; false when there is nothing to draw.</summary>
    public static bool Save(EvalReport report, string path)
    {
        var panels = Build(report);
        if (panels.Count == 0)
        {
            return false;
        }

        PlotFile.Save(panels, path);
        return true;
    }

    /// <summary>The relative panel; null when no line has a baseline and another point.</summary>
    private static Plot? BuildRelative(EvalReport report)
    {
        var m = report.Measurement;
        var plot = NewPlot();
        var threads = report.ComparesThreads;
        var lines = 0;
        var range = new YRange { Low = 0, High = 0 };
        if (threads)
        {
            foreach (var (numerator, denominator) in report.RatioPairs)
            {
                var points = new List<(double X, RatioEstimate R, bool Warn)>();
                for (var b = 0; b < m.Batches.Count; b++)
                {
                    AddRatio(points, m.Cell(numerator, b), m.Cell(denominator, b), X(m.Batches[b]));
                }

                lines += DrawRatioLine(plot, points, Color(numerator), m.Workloads[numerator], report, range) ? 1 : 0;
            }
        }
        else
        {
            for (var w = 0; w < m.Workloads.Count; w++)
            {
                // Batches ascend: row 0 is the madvise() loop when measured, else the smallest vector.
                var baseline = m.Cell(w, 0);
                var points = new List<(double X, RatioEstimate R, bool Warn)>();
                for (var b = 1; b < m.Batches.Count && baseline.IsMeasured; b++)
                {
                    AddRatio(points, m.Cell(w, b), baseline, X(m.Batches[b]));
                }

                lines += DrawRatioLine(plot, points, Color(w), m.Workloads[w], report, range) ? 1 : 0;
            }

            if (SeedEvaluation.Matches(report.Spec) && m.Batches[0] == 0)
            {
                AddSeedLines(plot, m.Batches, range);
            }
        }

        if (lines == 0)
        {
            return null;
        }

        var reference = plot.Add.HorizontalLine(0);
        reference.Color = Colors.Gray;
        reference.LinePattern = LinePattern.Dotted;
        SetBatchTicks(plot, m.Batches, threads);
        plot.Axes.Left.TickGenerator = PlotFile.LogTicks(range.Low - 0.1, range.High + 0.1);
        plot.Axes.SetLimitsY(range.Low - 0.1, range.High + 0.1);
        Title(plot, report, threads
            ? $"time with N threads / with 1 (siblings {EvalTable.SiblingText(report)})"
            : "time per pass / the kernel's own madvise() loop",
            "bars: 95% interval of the ratio (distribution-free); circled: few passes or noisy");
        plot.YLabel(threads ? "N threads / 1 thread (log scale)" : "relative time per pass (log scale)");
        plot.XLabel("madvise() loop, or process_madvise() ranges per call");
        plot.ShowLegend(Edge.Bottom);
        plot.Legend.Orientation = Orientation.Horizontal;
        return plot;
    }

    /// <summary>The absolute panel; null when no configuration was measured.</summary>
    private static Plot? BuildAbsolute(EvalReport report)
    {
        var m = report.Measurement;
        var plot = NewPlot();
        double low = double.MaxValue, high = double.MinValue;
        var lines = 0;
        for (var w = 0; w < m.Workloads.Count; w++)
        {
            var xs = new List<double>();
            var ys = new List<double>();
            var down = new List<double>();
            var up = new List<double>();
            var warned = new List<(double X, double Y)>();
            for (var b = 0; b < m.Batches.Count; b++)
            {
                var cell = m.Cell(w, b);
                if (!cell.IsMeasured || cell.Time.Mean <= 0)
                {
                    continue;
                }

                var t = cell.Time;
                var y = Math.Log10(t.Mean / 1e6);
                var ci = t.MeanInterval ?? new Interval(t.Mean, t.Mean, 0.95);
                var lower = Math.Log10(Math.Max(ci.Lower, t.Mean / 100) / 1e6);
                var upper = Math.Log10(ci.Upper / 1e6);
                xs.Add(X(m.Batches[b]));
                ys.Add(y);
                down.Add(y - lower);
                up.Add(upper - y);
                low = Math.Min(low, y);
                high = Math.Max(high, y);
                if (t.Warnings is not SampleWarnings.None and not SampleWarnings.Outliers)
                {
                    warned.Add((xs[^1], y));
                }
            }

            if (xs.Count == 0)
            {
                continue;
            }

            lines++;
            DrawLine(plot, xs, ys, down, up, warned, Color(w), m.Workloads[w], report);
        }

        if (lines == 0)
        {
            return null;
        }

        SetBatchTicks(plot, m.Batches, includeMadvise: true);
        plot.Axes.Left.TickGenerator = PlotFile.LogTicks(low - 0.3, high + 0.3);
        plot.Axes.SetLimitsY(low - 0.3, high + 0.3);
        var host = m.Workloads.Any(w => w.Target == "host");
        Title(plot, report, "mean ms per pass (log scale)", "bars: 95% confidence interval of the mean (Student's t); circled: few passes or noisy"
            + (host ? "\nhost: a multi-threaded .NET process (runtime threads), not the seed's single-threaded C" : string.Empty));
        plot.YLabel("ms per pass");
        plot.XLabel("madvise() loop, or process_madvise() ranges per call");
        plot.ShowLegend(Edge.Bottom);
        plot.Legend.Orientation = Orientation.Horizontal;
        return plot;
    }

    /// <summary>A panel with the house style.</summary>
    private static Plot NewPlot()
    {
        var plot = new Plot();
        PlotFile.Style(plot);
        return plot;
    }

    /// <summary>"MADV_DONTNEED over 256M in 4K units, 24 passes: WHAT" and the explanation below it, in a size that fits one panel.</summary>
    private static void Title(Plot plot, EvalReport report, string what, string explanation)
    {
        var spec = report.Spec;
        plot.Title(
            string.Create(CultureInfo.InvariantCulture, $"MADV_{spec.HintName}, {ByteSize.Format(spec.Mem)} in {ByteSize.Format(spec.Unit)} units, {report.Measurement.TypicalPasses} passes{(report.Measurement.Partial ? " (partial)" : string.Empty)}: {what}")
            + "\n" + explanation,
            size: 13);
    }

    private static void AddRatio(List<(double X, RatioEstimate R, bool Warn)> points, EvalCell numerator, EvalCell denominator, double x)
    {
        if (!numerator.IsMeasured || !denominator.IsMeasured || RatioEstimate.Of(numerator.Samples, denominator.Samples) is not { } r)
        {
            return;
        }

        var warn = (numerator.Time.Warnings | denominator.Time.Warnings) is not SampleWarnings.None and not SampleWarnings.Outliers || r.Interval is null;
        points.Add((x, r, warn));
    }

    /// <summary>Draws one ratio line with its interval bars; false when it has no point.</summary>
    private static bool DrawRatioLine(Plot plot, List<(double X, RatioEstimate R, bool Warn)> points, ScottPlot.Color color, IAdviceWorkload workload, EvalReport report, YRange range)
    {
        if (points.Count == 0)
        {
            return false;
        }

        // On a log scale: a ratio of 2 is as far from 1 as a ratio of 0.5.
        var xs = points.Select(p => p.X).ToList();
        var ys = points.Select(p => Math.Log10(p.R.Value)).ToList();
        var down = points.Select(p => p.R.Interval is { } ci ? Math.Log10(p.R.Value / ci.Lower) : 0).ToList();
        var up = points.Select(p => p.R.Interval is { } ci ? Math.Log10(ci.Upper / p.R.Value) : 0).ToList();
        var warned = points.Where(p => p.Warn).Select(p => (p.X, Math.Log10(p.R.Value))).ToList();
        DrawLine(plot, xs, ys, down, up, warned, color, workload, report);
        range.Low = Math.Min(range.Low, ys.Min());
        range.High = Math.Max(range.High, ys.Max());
        return true;
    }

    /// <summary>A line with asymmetric error bars; warned points get a white-filled marker on top.</summary>
    private static void DrawLine(Plot plot, List<double> xs, List<double> ys, List<double> down, List<double> up, List<(double X, double Y)> warned, ScottPlot.Color color, IAdviceWorkload workload, EvalReport report)
    {
        var line = plot.Add.Scatter(xs.ToArray(), ys.ToArray(), color);
        line.LegendText = PlotFile.LegendName(workload, report.Machine);
        line.LineWidth = 2;
        line.MarkerSize = 7;
        line.LinePattern = workload.Target == "sim" ? LinePattern.Solid : LinePattern.Dashed;
        var none = new double[xs.Count];
        plot.Add.Plottable(new ScottPlot.Plottables.ErrorBar(xs, ys, none, none, none, none)
        {
            YErrorNegative = down,
            YErrorPositive = up,
            Color = color.WithAlpha(0.8),
            CapSize = 4,
        });
        if (warned.Count > 0)
        {
            var open = plot.Add.ScatterPoints(warned.Select(p => p.X).ToArray(), warned.Select(p => p.Y).ToArray(), color);
            open.MarkerShape = MarkerShape.OpenCircle;
            open.MarkerSize = 11;
        }
    }

    /// <summary>The series' published before and after times, each normalised to its own madvise() loop, in grey.</summary>
    private static void AddSeedLines(Plot plot, IReadOnlyList<int> batches, YRange range)
    {
        SeedEvaluation.TryGet(0, out var before0, out var after0);
        var xs = new List<double>();
        var before = new List<double>();
        var after = new List<double>();
        foreach (var batch in batches)
        {
            if (batch > 0 && SeedEvaluation.TryGet(batch, out var b, out var a))
            {
                xs.Add(X(batch));
                before.Add(Math.Log10(b / before0));
                after.Add(Math.Log10(a / after0));
                range.Low = Math.Min(range.Low, Math.Min(before[^1], after[^1]));
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

    private static void SetBatchTicks(Plot plot, IReadOnlyList<int> batches, bool includeMadvise)
    {
        var ticks = new List<double>();
        var labels = new List<string>();
        foreach (var batch in batches)
        {
            if (batch == 0 && !includeMadvise)
            {
                continue;
            }

            ticks.Add(X(batch));
            labels.Add(batch == 0 ? "madvise" : batch.ToString(CultureInfo.InvariantCulture));
        }

        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks.ToArray(), labels.ToArray());
    }

    /// <summary>The x coordinate of a batch size.</summary>
    private static double X(int batch) => batch == 0 ? MadviseX : Math.Log2(batch);

    private static ScottPlot.Color Color(int index) => new ScottPlot.Palettes.Category10().GetColor(index);

    /// <summary>The y range the points of a panel span (log10 units).</summary>
    private sealed class YRange
    {
        /// <summary>Lowest y.</summary>
        public double Low { get; set; }

        /// <summary>Highest y.</summary>
        public double High { get; set; }
    }
}
