namespace Madvise.Scenarios.Steps;

/// <summary>
/// One line of a scenario. The properties common to every step are set by the parser;
/// each step kind adds its parsed arguments as a derived record.
/// </summary>
public abstract record Step
{
    /// <summary>1-based line number in the file.</summary>
    public int Line { get; init; }

    /// <summary>The normalised step text (spec rule 2), including an <c>in TASK: </c> prefix; echoed before <c> = </c>.</summary>
    public string Text { get; init; } = "";

    /// <summary>The whitespace-folded text after <c>=&gt;</c>, or null when the step expects nothing.</summary>
    public string? Expected { get; init; }

    /// <summary>The task named by an <c>in TASK:</c> prefix (<c>self</c> spelt in lower case), or null without a prefix.</summary>
    public string? Task { get; init; }

    /// <summary>The reason of a <c># @host-divergent: REASON</c> comment on this step's line: the host diverges from here on; else null.</summary>
    public string? HostDivergent { get; init; }

    /// <summary>The step keyword in lower case (<c>mmap</c>, <c>pmadvise</c>, ...).</summary>
    public abstract string Keyword { get; }
}
