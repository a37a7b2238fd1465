using Madvise.Scenarios.Steps;

namespace Madvise.Scenarios;

/// <summary>The outcome of one step.</summary>
/// <param name="Step">The step that ran.</param>
/// <param name="Result">The canonical result string printed after <c> = </c>.</param>
/// <param name="Verdict">How the result compared with the step's expectation.</param>
public sealed record StepReport(Step Step, string Result, StepVerdict Verdict)
{
    /// <summary>The normalised step text.</summary>
    public string Text => Step.Text;

    /// <summary>The folded expectation, or null.</summary>
    public string? Expected => Step.Expected;

    /// <summary>True when the result is <c>SKIP(...)</c>.</summary>
    public bool IsSkip => Verdict == StepVerdict.Skipped;

    /// <summary>
    /// The deaths of tasks noticed after this step (ScenarioRunner.cs rule 10), e.g.
    /// <c>task B (pid 4242) was killed by SIGKILL</c>; usually none.
    /// </summary>
    public IReadOnlyList<string> TaskDeaths { get; init; } = [];
}
