using Madvise.Measurement.Reporting;
using Spectre.Console;

namespace Madvise.Cli.Report;

/// <summary>Prints a report's header lines and its table: a Spectre table on a terminal (errors in red), Markdown on request.</summary>
internal static class TableOutput
{
    /// <summary>Writes <paramref name="header"/>, a blank line and <paramref name="grid"/>.</summary>
    public static void Write(IAnsiConsole console, IEnumerable<string> header, TextGrid grid, bool markdown)
    {
        // Straight to the writer: Spectre would wrap long lines at the console's width.
        var writer = console.Profile.Out.Writer;
        foreach (var line in header)
        {
            writer.WriteLine(line);
        }

        writer.WriteLine();
        if (markdown)
        {
            grid.WriteMarkdown(writer);
        }
        else
        {
            console.Write(ToSpectre(grid));
        }
    }

    /// <summary>A Spectre table of <paramref name="grid"/>; error cells in red, line breaks kept.</summary>
    public static Table ToSpectre(TextGrid grid)
    {
        var table = new Table().Border(TableBorder.Rounded);
        for (var c = 0; c < grid.Headers.Count; c++)
        {
            var column = new TableColumn(Markup.Escape(grid.Headers[c]));
            table.AddColumn(grid.RightAligned[c] ? column.RightAligned() : column.LeftAligned());
        }

        foreach (var row in grid.Rows)
        {
            var markup = new string[row.Length];
            for (var c = 0; c < row.Length; c++)
            {
                var text = Markup.Escape(row[c].Text);
                markup[c] = row[c].Error ? "[red]" + text + "[/]" : text;
            }

            table.AddRow(markup);
        }

        return table;
    }
}
