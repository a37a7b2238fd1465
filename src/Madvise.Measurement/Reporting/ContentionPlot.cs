using System.Globalization;
using HdrHistogram;
using ScottPlot;

namespace Madvise.Measurement.Reporting;

/// <summary>
/// <c>madv contention --plot</c>: the writer's p99 latency (log scale) against the advisor's batch
/// size (log₂ axis, the madvise() loop at the left), one line per profile or target, with the
/// median as a thin dotted line of open circles; each kernel's idle writer p99 as a horizontal
/// dotted line; capped configurations (p99) as diamonds beside the largest batch, labelled with
/// their throughput against the uncapped one.
/// </summary>
public static class ContentionPlot
{
    /// <summary>Where the madvise() loop sits on the x axis (left of batch 1 at 0).</summary>
    private const double MadviseX = -1.5;

    /// <summary>How far right of the largest batch the capped points sit (their labels need the room up to the axis' end).</summary>
    private const double CapOffset = 0.5;

    /// <summary>Pixels one cap label is moved up per label already placed at about the same height.</summary>
    private const float LabelLineHeight = 14;

    /// <summary>Builds the plot; null when no row has writer samples under an advisor.</summary>
    public static Plot? Build(ContentionReport report)
    {
        var rows = report.Measurement.Rows;
        var batches = report.Settings.Batches;
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
        var capLabelYs = new List<double>();
        var low = double.MaxValue;
        var high = double.MinValue;
        for (var w = 0; w < workloads.Count; w++)
        {
            var color = palette.GetColor(w);
            var xs = new List<double>();
            var ys = new List<double>();
            var medians = new List<double>();
            ContentionRow? largest = null;
            foreach (var row in rows)
            {
                if (row.Workload != workloads[w] || !Sampled(row))
                {
                    continue;
                }

                var p99 = Log10Microseconds(row.WriterLatency.GetValueAtPercentile(99));
                low = Math.Min(low, p99);
                high = Math.Max(high, p99);
                if (row.IsIdle)
                {
                    var idle = plot.Add.HorizontalLine(p99, 1, color, LinePattern.Dotted);
                    idle.LineColor = color.WithAlpha(0.6);
                }
                else if (row.Cap == 0)
                {
                    var p50 = Log10Microseconds(row.WriterLatency.GetValueAtPercentile(50));
                    low = Math.Min(low, p50);
                    xs.Add(X(row.Batch!.Value));
                    ys.Add(p99);
                    medians.Add(p50);
                    if (row.Batch == batches[^1])
                    {
                        largest = row;
                    }
                }
                else
                {
                    var x = X(row.Batch!.Value) + CapOffset;
                    var point = plot.Add.ScatterPoints(new[] { x }, new[] { p99 }, color);
                    point.MarkerShape = MarkerShape.FilledDiamond;
                    point.MarkerSize = 11;
                    var label = plot.Add.Text(CapLabel(row, largest), x, p99);
                    label.LabelFontSize = 11;
                    label.LabelFontColor = color;
                    label.OffsetX = 8;
                    label.OffsetY = -LabelLineHeight * NearbyLabels(capLabelYs, p99);
                    label.LabelAlignment = Alignment.MiddleLeft;
                    capLabelYs.Add(p99);
                }
            }

            if (xs.Count == 0)
            {
                continue;
            }

            drawn++;
            var line = plot.Add.Scatter(xs.ToArray(), ys.ToArray(), color);
            line.LegendText = workloads[w].Target == "sim" ? workloads[w].Label + " (sim)" : workloads[w].Label + " (" + report.Machine.Kernel + ")";
            line.LineWidth = 2;
            line.MarkerSize = 6;
            line.LinePattern = workloads[w].Target == "sim" ? LinePattern.Solid : LinePattern.Dashed;

            // The median, thin and dotted: on a shared machine the p99 is often a preempted lock
            // holder, while the median shows how long a writer typically waits for a vector.
            var median = plot.Add.Scatter(xs.ToArray(), medians.ToArray(), color);
            median.LineWidth = 1;
            median.LinePattern = LinePattern.Dotted;
            median.MarkerShape = MarkerShape.OpenCircle;
            median.MarkerSize = 5;
        }

        if (drawn == 0)
        {
            return null;
        }

        var ticks = new List<double>();
        var labels = new List<string>();
        foreach (var batch in batches)
        {
            ticks.Add(X(batch));
            labels.Add(batch == 0 ? "madvise" : batch.ToString(CultureInfo.InvariantCulture));
        }

        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks.ToArray(), labels.ToArray());
        plot.Axes.Left.TickGenerator = LogTicks(low, high);
        plot.Axes.SetLimits(MadviseX - 0.8, X(batches[^1]) + 4.5, low - 0.15, high + 0.15);
        var spec = report.Settings.Spec;
        plot.Title(
            $"mmap_lock writer ({report.WriterName}) latency while MADV_{spec.HintName} is applied over {ByteSize.Format(spec.Mem)}"
            + (report.Measurement.Partial ? " (partial)" : string.Empty)
            + "\np99 (filled), p50 (open circles); horizontal dotted lines: the writer alone (p99)");
        plot.XLabel("advisor: madvise() loop or process_madvise() batch size; diamonds: largest batch with a per-call cap");
        plot.YLabel("writer latency (µs, log scale)");
        plot.ShowLegend(Edge.Bottom);
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

    /// <summary>"cap 32: 5.80 vs 6.10 GiB/s": the cap, and its throughput against the uncapped largest batch.</summary>
    private static string CapLabel(ContentionRow capped, ContentionRow? uncapped)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"cap {capped.Cap}");
        if (capped.AdvisorGibPerSecond is { } rate)
        {
            text += ": " + Numbers.Rate(rate);
            if (uncapped?.AdvisorGibPerSecond is { } full)
            {
                text += " vs " + Numbers.Rate(full);
            }

            text += " GiB/s";
        }

        return text;
    }

    /// <summary>Ticks at 1, 2 and 5 times each power of ten between 10^<paramref name="low"/> and 10^<paramref name="high"/> µs.</summary>
    private static ScottPlot.TickGenerators.NumericManual LogTicks(double low, double high)
    {
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        for (var decade = Math.Floor(low) - 1; decade <= Math.Ceiling(high); decade++)
        {
            foreach (var step in (ReadOnlySpan<double>)[1, 2, 5])
            {
                var y = decade + Math.Log10(step);
                if (y >= low - 0.2 && y <= high + 0.2)
                {
                    ticks.AddMajor(y, Math.Pow(10, y).ToString("0.###", CultureInfo.InvariantCulture));
                }
            }
        }

        return ticks;
    }

    /// <summary>How many labels in <paramref name="placed"/> sit within a tenth of a decade of <paramref name="y"/> (they would overlap).</summary>
    private static int NearbyLabels(List<double> placed, double y)
    {
        var count = 0;
        foreach (var other in placed)
        {
            if (Math.Abs(other - y) < 0.1)
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>True for a row whose writer latency can be drawn.</summary>
    private static bool Sampled(ContentionRow row) => row.Error is null && row.WriterLatency.TotalCount > 0;

    /// <summary>The x coordinate of a batch size.</summary>
    private static double X(int batch) => batch == 0 ? MadviseX : Math.Log2(batch);

    /// <summary>The plot's y coordinate of a latency: log10 of microseconds (ScottPlot draws log axes on transformed data).</summary>
    private static double Log10Microseconds(long nanoseconds) => Math.Log10(Math.Max(nanoseconds, 1) / 1e3);
}
