using System.Globalization;
using HdrHistogram;
using Madvise.Cli.Eval;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Madvise.Cli.Report;

/// <summary>
/// <c>madv contention</c>'s table: per target and profile, the idle writer, then the advisor at
/// each batch size and with each per-call cap: advisor throughput and the writer's latency
/// percentiles.
/// </summary>
internal static class ContentionTable
{
    /// <summary>Writes the header lines and the table.</summary>
    public static void Write(IAnsiConsole console, ContentionReport report, bool markdown)
    {
        foreach (var line in HeaderLines(report))
        {
            // Straight to the writer: Spectre would wrap long lines at the console's width.
            console.Profile.Out.Writer.WriteLine(line);
        }

        console.Profile.Out.Writer.WriteLine();
        console.Write(Build(report, markdown));
    }

    /// <summary>The lines above the table.</summary>
    public static IReadOnlyList<string> HeaderLines(ContentionReport report)
    {
        var s = report.Settings;
        var spec = s.Common.Spec;
        var m = report.Measurement;
        var lines = new List<string>
        {
            $"madv contention: the advisor applies MADV_{spec.HintName} over {ByteSize.Format(spec.Mem)} in {ByteSize.Format(spec.Unit)} units (batch 0 = madvise() per unit) while a second thread of the same process, the writer, does {report.WriterDescription}",
            "machine: " + report.Machine.Describe(),
            string.Create(CultureInfo.InvariantCulture, $"method: {ContentionRunner.Method}; {s.PerConfiguration.TotalSeconds:0.##}s per configuration in {m.Slices} slices; run took {Numbers.Duration(m.Elapsed)}"),
            "columns: advisor GiB/s = bytes advised per second inside passes; writer latency percentiles in µs (HdrHistogram, 3 significant digits); 'N cap C' = vectors of N ranges submitted in calls of at most C ranges (the advice batcher's MaxRangesPerCall)",
        };
        foreach (var note in s.Common.Targets.Notes)
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
    public static Table Build(ContentionReport report, bool markdown)
    {
        var table = new Table().Border(markdown ? TableBorder.Markdown : TableBorder.Rounded);
        table.AddColumn("kernel");
        table.AddColumn(new TableColumn("advisor batch").RightAligned());
        table.AddColumn(new TableColumn("advisor GiB/s").RightAligned());
        table.AddColumn(new TableColumn("passes").RightAligned());
        table.AddColumn(new TableColumn("writer samples").RightAligned());
        table.AddColumn(new TableColumn("p50 µs").RightAligned());
        table.AddColumn(new TableColumn("p99 µs").RightAligned());
        table.AddColumn(new TableColumn("p99.9 µs").RightAligned());
        table.AddColumn(new TableColumn("max µs").RightAligned());
        foreach (var row in report.Measurement.Rows)
        {
            var cells = new List<IRenderable>
            {
                new Text(row.Workload.Label),
                new Text(row.AdvisorLabel),
            };
            if (row.Error is not null)
            {
                cells.Add(markdown ? new Text(row.Error) : new Markup("[red]" + Markup.Escape(row.Error) + "[/]"));
                while (cells.Count < 9)
                {
                    cells.Add(new Text(string.Empty));
                }
            }
            else
            {
                var h = row.WriterLatency;
                var sampled = h.TotalCount > 0;
                cells.Add(new Text(row.AdvisorGibPerSecond is { } rate ? Numbers.Rate(rate) : "-"));
                cells.Add(new Text(row.IsIdle ? "-" : row.AdvisorPasses.ToString(CultureInfo.InvariantCulture)));
                cells.Add(new Text(Numbers.Count(h.TotalCount)));
                cells.Add(new Text(sampled ? Numbers.Microseconds(h.GetValueAtPercentile(50)) : "-"));
                cells.Add(new Text(sampled ? Numbers.Microseconds(h.GetValueAtPercentile(99)) : "-"));
                cells.Add(new Text(sampled ? Numbers.Microseconds(h.GetValueAtPercentile(99.9)) : "-"));
                cells.Add(new Text(sampled ? Numbers.Microseconds(h.GetMaxValue()) : "-"));
            }

            table.AddRow(cells);
        }

        return table;
    }
}
