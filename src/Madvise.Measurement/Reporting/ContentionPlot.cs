using System.Globalization;
using ScottPlot;

namespace Madvise.Measurement.Reporting;

/// <summary>
/// <c>madv contention --plot</c>: the writer's latency (log scale) against what the advisor does —
/// the writer alone ("idle") at the far left, then the madvise() loop, then process_madvise()
/// batch sizes on a log₂ axis, and the largest batch with each per-call cap (diamonds) at the
/// right — one line per profile or target: the p99 (filled markers, with the 95% confidence
/// interval of the percentile as a bar; open when fewer than 10 samples lie above it) and the
/// median (thin dotted line, small open circles). Throughput of the capped calls goes into the
/// legend, the sample counts into the title.
/// </summary>
public static class ContentionPlot
{
    /// <summary>Where the writer alone sits on the x axis.</summary>
    private const double IdleX = -3;

    /// <summary>Where the madvise() loop sits (left of batch 1 at 0).</summary>
    private const double MadviseX = -1.5;

    /// <summary>How far right of the largest batch the capped points sit.</summary>
    private const double CapOffset = 0.8;

    /// <summary>Horizontal spread between kernels' points at one x, so that bars do not hide each other.</summary>
    private const double Spread = 0.12;

    /// <summary>Builds the plot; null when no row has writer samples.</summary>
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

        double low = double.MaxValue, high = double.MinValue;
        long fewest = long.MaxValue, most = 0;
        var maxX = X(batches.Count == 0 ? 1 : batches[^1]);
        var drawn = 0;
        for (var w = 0; w < workloads.Count; w++)
        {
            var color = palette.GetColor(w);
            var shift = (w - ((workloads.Count - 1) / 2.0)) * Spread;
            var xs = new List<double>();
            var p99s = new List<double>();
            var p50s = new List<double>();
            var down = new List<double>();
            var up = new List<double>();
            var thin = new List<(double X, double Y)>();
            var caps = new List<(double X, double Y)>();
            var capText = new List<string>();
            ContentionRow? largest = null;
            foreach (var row in rows)
            {
                if (row.Workload != workloads[w] || row.Error is not null || row.WriterLatency.TotalCount == 0)
                {
                    continue;
                }

                var q = QuantileEstimate.Of(row.WriterLatency, 99);
                var y = Log10Microseconds(q.Value);
                var ci = q.Interval!.Value;
                var p50 = Log10Microseconds(row.WriterLatency.GetValueAtPercentile(50));
                fewest = Math.Min(fewest, q.Count);
                most = Math.Max(most, q.Count);
                low = Math.Min(low, p50);
                high = Math.Max(high, y);
                double x;
                if (row.Cap > 0)
                {
                    x = maxX + (CapOffset * (1 + report.Settings.Caps.ToList().IndexOf(row.Cap))) + shift;
                    caps.Add((x, y));
                    capText.Add(CapText(row, largest));
                }
                else
                {
                    x = (row.IsIdle ? IdleX : X(row.Batch!.Value)) + shift;
                    if (row.Batch == batches[^1])
                    {
                        largest = row;
                    }
                }

                xs.Add(x);
                p99s.Add(y);
                p50s.Add(p50);
                down.Add(y - Log10Microseconds((long)ci.Lower));
                up.Add(Log10Microseconds((long)ci.Upper) - y);
                if (q.IsThin)
                {
                    thin.Add((x, y));
                }
            }

            if (xs.Count == 0)
            {
                continue;
            }

            drawn++;
            var order = Enumerable.Range(0, xs.Count).Where(i => !caps.Any(c => c.X == xs[i])).ToList();
            var line = plot.Add.Scatter(order.Select(i => xs[i]).ToArray(), order.Select(i => p99s[i]).ToArray(), color);
            line.LegendText = PlotFile.LegendName(workloads[w], report.Machine) + (capText.Count > 0 ? "; " + string.Join("; ", capText) : string.Empty);
            line.LineWidth = 2;
            line.MarkerSize = 7;
            line.LinePattern = workloads[w].Target == "sim" ? LinePattern.Solid : LinePattern.Dashed;
            var none = new double[xs.Count];
            plot.Add.Plottable(new ScottPlot.Plottables.ErrorBar(xs, p99s, none, none, none, none)
            {
                YErrorNegative = down,
                YErrorPositive = up,
                Color = color.WithAlpha(0.7),
                CapSize = 3,
            });

            // The median, thin and dotted: on a shared machine the p99 is often a preempted lock
            // holder, while the median shows how long a writer typically waits for a vector.
            var median = plot.Add.Scatter(order.Select(i => xs[i]).ToArray(), order.Select(i => p50s[i]).ToArray(), color);
            median.LineWidth = 1;
            median.LinePattern = LinePattern.Dotted;
            median.MarkerShape = MarkerShape.OpenCircle;
            median.MarkerSize = 5;
            if (caps.Count > 0)
            {
                var diamonds = plot.Add.ScatterPoints(caps.Select(c => c.X).ToArray(), caps.Select(c => c.Y).ToArray(), color);
                diamonds.MarkerShape = MarkerShape.FilledDiamond;
                diamonds.MarkerSize = 11;
            }

            if (thin.Count > 0)
            {
                var open = plot.Add.ScatterPoints(thin.Select(c => c.X).ToArray(), thin.Select(c => c.Y).ToArray(), Colors.White);
                open.MarkerSize = 5;
            }
        }

        if (drawn == 0)
        {
            return null;
        }

        var ticks = new List<double> { IdleX };
        var labels = new List<string> { "idle" };
        foreach (var batch in batches)
        {
            ticks.Add(X(batch));
            labels.Add(batch == 0 ? "madvise" : batch.ToString(CultureInfo.InvariantCulture));
        }

        for (var c = 0; c < report.Settings.Caps.Count; c++)
        {
            if (report.Settings.Caps[c] < batches[^1])
            {
                ticks.Add(maxX + (CapOffset * (c + 1)));
                labels.Add(string.Create(CultureInfo.InvariantCulture, $"cap {report.Settings.Caps[c]}"));
            }
        }

        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks.ToArray(), labels.ToArray());
        plot.Axes.Left.TickGenerator = PlotFile.LogTicks(low - 0.1, high + 0.3);
        plot.Axes.SetLimits(IdleX - 0.6, ticks.Max() + 0.6, low - 0.1, high + 0.3);
        var spec = report.Settings.Spec;
        plot.Title(
            $"mmap_lock writer ({report.WriterName}) latency while MADV_{spec.HintName} is applied over {ByteSize.Format(spec.Mem)}"
            + (report.Measurement.Partial ? " (partial)" : string.Empty)
            + string.Create(CultureInfo.InvariantCulture, $"\np99 (filled; bar: its 95% CI; white dot: < 10 samples above it) and p50 (open, dotted); each point {Numbers.Count(fewest)}–{Numbers.Count(most)} writer samples"),
            size: 13);
        plot.XLabel("advisor: writer alone, madvise() loop, process_madvise() batch size; diamonds: largest batch with a per-call cap");
        plot.YLabel("writer latency (µs, log scale)");
        plot.ShowLegend(Edge.Bottom);
        plot.Legend.Orientation = Orientation.Horizontal;
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
    private static string CapText(ContentionRow capped, ContentionRow? uncapped)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"cap {capped.Cap}");
        if (capped.AdvisorGibPerSecond is { } rate)
        {
            text += ": " + Numbers.Rate(rate) + (uncapped?.AdvisorGibPerSecond is { } full ? " vs " + Numbers.Rate(full) : string.Empty) + " GiB/s";
        }

        return text;
    }

    /// <summary>The x coordinate of a batch size.</summary>
    private static double X(int batch) => batch == 0 ? MadviseX : Math.Log2(batch);

    /// <summary>The plot's y coordinate of a latency: log10 of microseconds (ScottPlot draws log axes on transformed data).</summary>
    private static double Log10Microseconds(long nanoseconds) => Math.Log10(Math.Max(nanoseconds, 1) / 1e3);
}
