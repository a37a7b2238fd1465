namespace Madvise.Scenarios;

/// <summary>A scenario file does not follow the scenario grammar.</summary>
/// <remarks>
/// <see cref="Exception.Message"/> says only what was wrong; <see cref="ToString"/> gives the
/// form the tools print, <c>FILE:LINE:COL: parse error: MESSAGE</c>.
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
    }

    /// <summary>The file, as given to the parser.</summary>
    public string File { get; }

    /// <summary>1-based line of the error.</summary>
    public int Line { get; }

    /// <summary>1-based column of the first character of the offending text.</summary>
    public int Column { get; }

    /// <summary><c>FILE:LINE:COL: parse error: MESSAGE</c>.</summary>
    public override string ToString() => $"{File}:{Line}:{Column}: parse error: {Message}";
}
