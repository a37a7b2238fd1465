using System.Globalization;
using HdrHistogram;

namespace Madvise.Measurement.Reporting;

/// <summary>
/// <c>madv contention</c>'s table: per target and profile, the idle writer, then the advisor at
/// each batch size and with each per-call cap: advisor throughput and the writer's latency
/// percentiles.
/// </summary>
public static class ContentionTable
{
    /// <summary>The lines above the table.</summary>
    public static IReadOnlyList<string> HeaderLines(ContentionReport report)
    {
        var s = report.Settings;
        var spec = s.Spec;
        var m = report.Measurement;
        var lines = new List<string>
        {
            $"madv contention: the advisor applies MADV_{spec.HintName} over {ByteSize.Format(spec.Mem)} in {ByteSize.Format(spec.Unit)} units (batch 0 = madvise() per unit) while a second thread of the same process, the writer, does {report.WriterDescription}",
            "machine: " + report.Machine.Describe(),
            string.Create(CultureInfo.InvariantCulture, $"method: {ContentionRunner.Method}; {s.PerConfiguration.TotalSeconds:0.##}s per configuration in {m.Slices} slices; run took {Numbers.Duration(m.Elapsed)}"),
            "columns: advisor GiB/s = bytes advised per second inside passes; writer latency percentiles in µs (HdrHistogram, 3 significant digits); p99 95% CI: distribution-free (order statistics), '(<10 above)' when fewer than 10 samples lie above the p99; 'N cap C' = vectors of N ranges submitted in calls of at most C ranges (the advice batcher's MaxRangesPerCall)",
        };
        foreach (var note in s.Targets.Notes)
        {
            lines.Add("note: " + note);
        }

        if (m.Partial)
        {
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"PARTIAL: interrupted after {m.Slices} complete slice rounds; the table holds what was measured so far"));
        }

        return lines;
    }

    /// <summary>The table.</summary>
    public static TextGrid Build(ContentionReport report)
    {
        var grid = new TextGrid()
            .Column("kernel", rightAligned: false)
            .Column("advisor batch")
            .Column("advisor GiB/s")
            .Column("passes")
            .Column("writer samples")
            .Column("p50 µs")
            .Column("p99 µs")
            .Column("p99 95% CI µs")
            .Column("p99.9 µs")
            .Column("max µs");
        foreach (var row in report.Measurement.Rows)
        {
            if (row.Error is not null)
            {
                grid.Row(row.Workload.Label, row.AdvisorLabel, new TextGrid.Cell(row.Error, Error: true), "", "", "", "", "", "", "");
                continue;
            }

            var h = row.WriterLatency;
            var sampled = h.TotalCount > 0;
            grid.Row(
                row.Workload.Label,
                row.AdvisorLabel,
                row.AdvisorGibPerSecond is { } rate ? Numbers.Rate(rate) : "-",
                row.IsIdle ? "-" : row.AdvisorPasses.ToString(CultureInfo.InvariantCulture),
                Numbers.Count(h.TotalCount),
                sampled ? Numbers.Microseconds(h.GetValueAtPercentile(50)) : "-",
                sampled ? Numbers.Microseconds(h.GetValueAtPercentile(99)) : "-",
                sampled && QuantileEstimate.Of(h, 99) is { Interval: { } ci } q ? ci.Scale(1e-3).Format("0.0") + (q.IsThin ? " (<10 above)" : string.Empty) : "-",
                sampled ? Numbers.Microseconds(h.GetValueAtPercentile(99.9)) : "-",
                sampled ? Numbers.Microseconds(h.GetMaxValue()) : "-");
        }

        return grid;
    }
}
