using System.Globalization;

namespace Madvise.Measurement.Reporting;

/// <summary><c>madv compare</c>'s output: both machines, then per configuration A's and B's times, B/A with its interval, the test and the verdict.</summary>
public static class ComparisonTable
{
    /// <summary>The lines above the table.</summary>
    public static IReadOnlyList<string> HeaderLines(EvalComparison c)
    {
        var lines = new List<string>
        {
            $"madv compare: MADV_{c.A.Hint} over {ByteSize.Format(c.A.Mem)} in {ByteSize.Format(c.A.Unit)} units; is B faster than A?",
            $"A: {c.A.Path}: {c.A.Machine}; started {c.A.Started}" + (c.A.PinCpu is { } pa ? string.Create(CultureInfo.InvariantCulture, $"; pinned to CPU {pa}") : string.Empty),
            $"B: {c.B.Path}: {c.B.Machine}; started {c.B.Started}" + (c.B.PinCpu is { } pb ? string.Create(CultureInfo.InvariantCulture, $"; pinned to CPU {pb}") : string.Empty),
            "columns: mean ms per pass (passes); B/A: the median of all pairwise ratios of B's pass times to A's [95% distribution-free interval]; p: two-sided Mann–Whitney U test; "
                + "verdict at the 5% level: B faster or slower, no significant difference, or too few passes (the test cannot reach 5% whatever the times)",
        };
        foreach (var note in c.Notes)
        {
            lines.Add("note: " + note);
        }

        return lines;
    }

    /// <summary>The table.</summary>
    public static TextGrid Build(EvalComparison c)
    {
        var grid = new TextGrid()
            .Column("A", rightAligned: false)
            .Column("B", rightAligned: false)
            .Column("threads")
            .Column("batch")
            .Column("A ms")
            .Column("B ms")
            .Column("B/A [95% CI]")
            .Column("p")
            .Column("verdict", rightAligned: false);
        foreach (var row in c.Rows)
        {
            var cells = new List<TextGrid.Cell>
            {
                row.A.Kernel,
                row.B.Kernel,
                row.A.Threads.ToString(CultureInfo.InvariantCulture),
                row.A.Batch.ToString(CultureInfo.InvariantCulture),
                Time(row.A),
                Time(row.B),
            };
            if (row.Comparison is { } cmp)
            {
                cells.Add(Numbers.Ratio(cmp.Ratio.Value) + " " + (cmp.Ratio.Interval is { } ci ? ci.Format("0.000") : "[?]"));
                cells.Add(cmp.Test.PValue < 0.0001 ? "<0.0001" : cmp.Test.PValue.ToString("0.0000", CultureInfo.InvariantCulture));
                cells.Add(Verdict(cmp.Verdict));
            }
            else
            {
                cells.Add("-");
                cells.Add("-");
                cells.Add(new TextGrid.Cell(row.A.Error ?? row.B.Error ?? "no passes", Error: true));
            }

            grid.Row([.. cells]);
        }

        return grid;
    }

    /// <summary>"B faster", "B slower", "no significant difference", "too few passes".</summary>
    public static string Verdict(ComparisonVerdict verdict) => verdict switch
    {
        ComparisonVerdict.Faster => "B faster",
        ComparisonVerdict.Slower => "B slower",
        ComparisonVerdict.NoSignificantDifference => "no significant difference",
        _ => "too few passes",
    };

    private static TextGrid.Cell Time(EvalResultRecord r)
    {
        if (r.Error is not null)
        {
            return new TextGrid.Cell(r.Error, Error: true);
        }

        if (r.Samples.Count == 0)
        {
            return "-";
        }

        return Numbers.Milliseconds(r.Samples.Average()) + string.Create(CultureInfo.InvariantCulture, $" ({r.Samples.Count})");
    }
}
