using HdrHistogram;
using ScottPlot;

namespace Madvise.Measurement.Reporting;

/// <summary>
/// <c>madv compact-bench --plot</c>, two panels. Left: per kernel, the writer's p99 (log scale, with
/// its 95% interval) alone, during fixed batches and during the budgeted engine, the medians as
/// open circles, and the goal's limit (budget + the writer's p99 alone) as a short bar. Right: per
/// kernel, the MiB reclaimed per CPU-second of both strategies (mean of the runs, 95% interval).
/// </summary>
public static class CompactBenchPlot
{
    /// <summary>Horizontal offsets of idle, fixed, budget within a kernel's slot.</summary>
    private static readonly double[] Offsets = [-0.25, 0, 0.25];

    /// <summary>Builds the panels; empty when nothing has writer samples.</summary>
    public static IReadOnlyList<Plot> Build(CompactBenchReport report)
    {
        var m = report.Measurement;
        var kernels = m.Kernels.ToList();
        if (kernels.Count == 0)
        {
            return [];
        }

        var palette = new ScottPlot.Palettes.Category10();
        string[] names = ["idle", "fixed", "budget"];
        var latency = new Plot();
        PlotFile.Style(latency);
        double low = double.MaxValue, high = double.MinValue;
        for (var n = 0; n < names.Length; n++)
        {
            var xs = new List<double>();
            var p99 = new List<double>();
            var p50 = new List<double>();
            var down = new List<double>();
            var up = new List<double>();
            for (var k = 0; k < kernels.Count; k++)
            {
                if (m.Row(kernels[k], names[n]) is not { } row || row.Writer.TotalCount == 0)
                {
                    continue;
                }

                var q = QuantileEstimate.Of(row.Writer, 99);
                var y = Log(q.Value);
                xs.Add(k + Offsets[n]);
                p99.Add(y);
                p50.Add(Log(row.Writer.GetValueAtPercentile(50)));
                down.Add(y - Log((long)q.Interval!.Value.Lower));
                up.Add(Log((long)q.Interval.Value.Upper) - y);
                low = Math.Min(low, p50[^1]);
                high = Math.Max(high, y + up[^1]);
            }

            if (xs.Count == 0)
            {
                continue;
            }

            var color = palette.GetColor(n);
            var points = latency.Add.ScatterPoints(xs.ToArray(), p99.ToArray(), color);
            points.MarkerSize = 9;
            points.LegendText = names[n] == "budget" ? $"p99, budget {CompactBenchRow.FormatBudget(report.Settings.Budget)}" : "p99, " + names[n];
            var none = new double[xs.Count];
            latency.Add.Plottable(new ScottPlot.Plottables.ErrorBar(xs, p99, none, none, none, none) { YErrorNegative = down, YErrorPositive = up, Color = color, CapSize = 4 });
            var medians = latency.Add.ScatterPoints(xs.ToArray(), p50.ToArray(), color);
            medians.MarkerShape = MarkerShape.OpenCircle;
            medians.MarkerSize = 6;
        }

        foreach (var g in report.Goals)
        {
            var k = kernels.IndexOf(g.Kernel);
            var y = Log(g.LimitNs);
            var limit = latency.Add.Line(k - 0.4, y, k + 0.4, y);
            limit.Color = Colors.Black;
            limit.LinePattern = LinePattern.Dashed;
            limit.LineWidth = 1.5f;
            high = Math.Max(high, y);
        }

        if (low == double.MaxValue)
        {
            return [];
        }

        latency.Axes.Left.TickGenerator = PlotFile.LogTicks(low, high);
        latency.Axes.Left.Label.Text = "writer latency, µs (log scale; open circles: median)";
        latency.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(Enumerable.Range(0, kernels.Count).Select(i => (double)i).ToArray(), kernels.ToArray());
        latency.Axes.SetLimitsX(-0.6, kernels.Count - 0.4);
        latency.Title("Writer in the target: p99 with 95% CI; dashed: budget + idle p99");
        latency.ShowLegend(Alignment.UpperLeft);

        var reclaim = new Plot();
        PlotFile.Style(reclaim);
        var bars = new List<Bar>();
        for (var n = 1; n < names.Length; n++)
        {
            for (var k = 0; k < kernels.Count; k++)
            {
                if (m.Row(kernels[k], names[n]) is not { } row || SampleSummary.Of(row.ReclaimedPerCpuSecond.Select(r => r / (1 << 20))) is not { Count: > 0 } s)
                {
                    continue;
                }

                bars.Add(new Bar
                {
                    Position = k + (n == 1 ? -0.18 : 0.18),
                    Value = s.Mean,
                    Error = s.MeanInterval?.Margin ?? 0,
                    FillColor = palette.GetColor(n),
                    Size = 0.34,
                });
            }
        }

        if (bars.Count > 0)
        {
            reclaim.Add.Bars(bars);
            reclaim.Axes.Margins(bottom: 0);
        }

        reclaim.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(Enumerable.Range(0, kernels.Count).Select(i => (double)i).ToArray(), kernels.ToArray());
        reclaim.Axes.Left.Label.Text = "MiB reclaimed per CPU-second of the compactor";
        reclaim.Title("Reclaim per CPU-second: fixed (left) and budget (right), mean ± 95% CI");
        return [latency, reclaim];
    }

    /// <summary>Draws the panels into <paramref name="path"/>; false when there is nothing to draw.</summary>
    public static bool Save(CompactBenchReport report, string path)
    {
        var panels = Build(report);
        if (panels.Count == 0)
        {
            return false;
        }

        PlotFile.Save(panels, path);
        return true;
    }

    private static double Log(long nanoseconds) => Math.Log10(Math.Max(nanoseconds, 100) / 1e3);
}
