using System.Text;

namespace Madvise.Measurement.Reporting;

/// <summary>
/// A table as text cells, rendered as a Markdown table (for READMEs; written directly so that no
/// cell is ever wrapped) or by the caller (the CLI draws a Spectre table on a terminal).
/// </summary>
public sealed class TextGrid
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

    /// <summary>Column titles.</summary>
    public IReadOnlyList<string> Headers => _headers;

    /// <summary>Per column: right-aligned (numbers) or left-aligned.</summary>
    public IReadOnlyList<bool> RightAligned => _rightAligned;

    /// <summary>The rows; each has one cell per column.</summary>
    public IReadOnlyList<Cell[]> Rows => _rows;

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
    public readonly record struct Cell(string Text, bool Error = false)
    {
        /// <summary>A plain cell.</summary>
        public static implicit operator Cell(string text) => new(text);
    }
}
