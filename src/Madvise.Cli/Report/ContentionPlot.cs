using System.Globalization;
using HdrHistogram;
using Madvise.Cli.Eval;
using ScottPlot;

namespace Madvise.Cli.Report;

/// <summary>
/// <c>madv contention --plot</c>: the trade-off, one line per profile or target — advisor
/// throughput (x) against the writer's p99 latency (y, log scale), a point per batch size,
/// capped configurations as stars, each kernel's idle writer p99 as a dotted line.
/// </summary>
internal static class ContentionPlot
{
    /// <summary>Builds the plot; null when no row has both a throughput and writer samples.</summary>
    public static Plot? Build(ContentionReport report)
    {
        var rows = report.Measurement.Rows;
        var plot = new Plot();
        PlotFile.Style(plot);
        var palette = new ScottPlot.Palettes.Category10();
        var workloads = new List<IAdviceWorkload>();
        foreach (var row in rows)
        {
            if (!workloads.Contains(row.Workload))
            {
                workloads.Add(row.Workload);
            }
        }

        var drawn = 0;
        for (var w = 0; w < workloads.Count; w++)
        {
            var color = palette.GetColor(w);
            var xs = new List<double>();
            var ys = new List<double>();
            var capXs = new List<double>();
            var capYs = new List<double>();
            foreach (var row in rows)
            {
                if (row.Workload != workloads[w])
                {
                    continue;
                }

                if (row.IsIdle && row.Error is null && row.WriterLatency.TotalCount > 0)
                {
                    var idle = plot.Add.HorizontalLine(Log10Microseconds(row.WriterLatency.GetValueAtPercentile(99)));
                    idle.Color = color;
                    idle.LinePattern = LinePattern.Dotted;
                    idle.LineWidth = 1;
                }

                if (!Point(row, out var x, out var y))
                {
                    continue;
                }

                if (row.Cap > 0)
                {
                    capXs.Add(x);
                    capYs.Add(y);
                }
                else
                {
                    xs.Add(x);
                    ys.Add(y);
                }

                var label = plot.Add.Text(row.AdvisorLabel, x, y);
                label.LabelFontSize = 10;
                label.LabelFontColor = color;
                label.OffsetX = 4;
                label.OffsetY = -4;
            }

            if (xs.Count == 0 && capXs.Count == 0)
            {
                continue;
            }

            drawn++;
            var line = plot.Add.Scatter(xs.ToArray(), ys.ToArray(), color);
            line.LegendText = workloads[w].Target == "sim" ? workloads[w].Label + " (sim)" : workloads[w].Label + " (" + report.Machine.Kernel + ")";
            line.LineWidth = 2;
            line.MarkerSize = 6;
            line.LinePattern = workloads[w].Target == "sim" ? LinePattern.Solid : LinePattern.Dashed;
            if (capXs.Count > 0)
            {
                var caps = plot.Add.ScatterPoints(capXs.ToArray(), capYs.ToArray(), color);
                caps.MarkerShape = MarkerShape.FilledDiamond;
                caps.MarkerSize = 11;
            }
        }

        if (drawn == 0)
        {
            return null;
        }

        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = y => Math.Pow(10, y).ToString("0.###", CultureInfo.InvariantCulture),
        };
        var spec = report.Settings.Common.Spec;
        plot.Title($"writer ({report.WriterName}) p99 vs advisor throughput, MADV_{spec.HintName} over {ByteSize.Format(spec.Mem)}" + (report.Measurement.Partial ? " (partial)" : string.Empty));
        plot.XLabel("advisor throughput (GiB/s advised); labels: batch size, 'cap C' = at most C ranges per call (diamonds)");
        plot.YLabel("writer p99 latency (µs, log scale); dotted: writer alone");
        plot.Axes.Margins(0.08, 0.1);
        plot.ShowLegend(Alignment.UpperLeft);
        return plot;
    }

    /// <summary>Renders the plot into <paramref name="path"/>; false when there is nothing to draw.</summary>
    public static bool Save(ContentionReport report, string path)
    {
        var plot = Build(report);
        if (plot is null)
        {
            return false;
        }

        PlotFile.Save(plot, path);
        return true;
    }

    /// <summary>A row's point: throughput and log10 of the p99 in µs; false for idle, failed or unsampled rows.</summary>
    private static bool Point(ContentionRow row, out double x, out double y)
    {
        x = y = 0;
        if (row.IsIdle || row.Error is not null || row.AdvisorGibPerSecond is not { } rate || row.WriterLatency.TotalCount == 0)
        {
            return false;
        }

        x = rate;
        y = Log10Microseconds(row.WriterLatency.GetValueAtPercentile(99));
        return true;
    }

    /// <summary>The plot's y coordinate of a latency: log10 of microseconds (ScottPlot draws log axes on transformed data).</summary>
    private static double Log10Microseconds(long nanoseconds) => Math.Log10(Math.Max(nanoseconds, 1) / 1e3);
}
