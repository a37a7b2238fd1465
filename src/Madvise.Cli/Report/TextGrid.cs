using System.Text;
using Spectre.Console;

namespace Madvise.Cli.Report;

/// <summary>
/// A table as text cells, rendered either as a Spectre table (terminal, with colour) or as a
/// Markdown table (for READMEs; written directly so that no cell is ever wrapped).
/// </summary>
internal sealed class TextGrid
{
    /// <summary>Column titles.</summary>
    private readonly List<string> _headers = [];

    /// <summary>Per column: right-aligned (numbers) or left-aligned.</summary>
    private readonly List<bool> _rightAligned = [];

    /// <summary>The rows; each has one cell per column.</summary>
    private readonly List<Cell[]> _rows = [];

    /// <summary>Adds a column.</summary>
    public TextGrid Column(string header, bool rightAligned = true)
    {
        _headers.Add(header);
        _rightAligned.Add(rightAligned);
        return this;
    }

    /// <summary>Adds a row; it must have one cell per column.</summary>
    public void Row(params Cell[] cells)
    {
        if (cells.Length != _headers.Count)
        {
            throw new ArgumentException($"row has {cells.Length} cells for {_headers.Count} columns", nameof(cells));
        }

        _rows.Add(cells);
    }

    /// <summary>A Spectre table; error cells in red, line breaks kept.</summary>
    public Table ToSpectre()
    {
        var table = new Table().Border(TableBorder.Rounded);
        for (var c = 0; c < _headers.Count; c++)
        {
            var column = new TableColumn(Markup.Escape(_headers[c]));
            table.AddColumn(_rightAligned[c] ? column.RightAligned() : column.LeftAligned());
        }

        foreach (var row in _rows)
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

    /// <summary>Writes a GitHub Markdown table; line breaks in cells become &lt;br&gt;, pipes are escaped.</summary>
    public void WriteMarkdown(TextWriter writer)
    {
        var line = new StringBuilder("|");
        foreach (var header in _headers)
        {
            line.Append(' ').Append(Escape(header)).Append(" |");
        }

        writer.WriteLine(line.ToString());
        line.Clear().Append('|');
        foreach (var right in _rightAligned)
        {
            line.Append(right ? " ---: |" : " :--- |");
        }

        writer.WriteLine(line.ToString());
        foreach (var row in _rows)
        {
            line.Clear().Append('|');
            foreach (var cell in row)
            {
                line.Append(' ').Append(Escape(cell.Text)).Append(" |");
            }

            writer.WriteLine(line.ToString());
        }
    }

    private static string Escape(string text) =>
        text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", "<br>", StringComparison.Ordinal);

    /// <summary>One cell: its text (may hold line breaks) and whether it reports an error.</summary>
    /// <param name="Text">What the cell shows.</param>
    /// <param name="Error">True for an error message (shown in red on a terminal).</param>
    internal readonly record struct Cell(string Text, bool Error = false)
    {
        /// <summary>A plain cell.</summary>
        public static implicit operator Cell(string text) => new(text);
    }
}
