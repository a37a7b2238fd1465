namespace Madvise.Scenarios;

/// <summary>A scenario file does not follow the scenario grammar.</summary>
/// <remarks>
/// <para>
/// <see cref="Exception.Message"/> says only what was wrong; <see cref="ToString"/> gives the
/// form the tools print, <c>FILE:LINE:COL: parse error: MESSAGE</c>. Text from the file that a
/// message quotes is escaped and cut (<see cref="PrintableText"/>), and so is the file name in
/// <see cref="ToString"/>: an error can be printed on a terminal as it is.
/// </para>
/// <para>
/// The parser goes on at the next line after an error, so the exception it throws is the
/// file's first error and <see cref="Errors"/> lists the first
/// <see cref="ScenarioParser.MaxReportedErrors"/> of them (this one first);
/// <see cref="UnreportedErrors"/> counts the rest.
/// </para>
/// </remarks>
public sealed class ScenarioParseException : Exception
{
    /// <summary>Creates the exception for a position in a file.</summary>
    public ScenarioParseException(string file, int line, int column, string message)
        : base(message)
    {
        File = file;
        Line = line;
        Column = column;
        Errors = [this];
    }

    /// <summary>The file, as given to the parser.</summary>
    public string File { get; }

    /// <summary>1-based line of the error.</summary>
    public int Line { get; }

    /// <summary>1-based column of the first character of the offending text.</summary>
    public int Column { get; }

    /// <summary>The file's errors in line order, this one first, at most <see cref="ScenarioParser.MaxReportedErrors"/>.</summary>
    public IReadOnlyList<ScenarioParseException> Errors { get; private set; }

    /// <summary>Errors of the file beyond those in <see cref="Errors"/>.</summary>
    public int UnreportedErrors { get; private set; }

    /// <summary><c>FILE:LINE:COL: parse error: MESSAGE</c>.</summary>
    public override string ToString() => $"{PrintableText.Escape(File, int.MaxValue)}:{Line}:{Column}: parse error: {Message}";

    /// <summary>This exception as the first of <paramref name="errors"/>, with <paramref name="unreported"/> more.</summary>
    internal ScenarioParseException WithAll(IReadOnlyList<ScenarioParseException> errors, int unreported)
    {
        Errors = errors;
        UnreportedErrors = unreported;
        return this;
    }
}
