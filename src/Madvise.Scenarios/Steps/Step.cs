namespace Madvise.Scenarios.Steps;

/// <summary>
/// One line of a scenario. The properties common to every step are set by the parser;
/// each step kind adds its parsed arguments as a derived record, and knows how to parse
/// itself (a static <c>Parse</c> listed in <see cref="StepTable"/>) and how to run
/// (<see cref="Execute"/>).
/// </summary>
/// <remarks>
/// Adding a step: its record in this folder (arguments, <c>Parse</c> with the normalised text,
/// <see cref="Execute"/>), one line in <see cref="StepTable"/>, its operation on
/// <see cref="ITargetTask"/> with each target's implementation (the simulated kernel's
/// <c>SimTask</c>; the host's <c>HostTask</c> and, for what runs in the task's process, one
/// <c>HostOperation</c> in Host/Operations plus its line in <c>HostOperations</c>).
/// </remarks>
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

    /// <summary>
    /// Runs the step once the runner's common checks passed (config SKIP; see ScenarioRunner.cs)
    /// and returns its canonical result.
    /// </summary>
    internal abstract string Execute(ScenarioRunner runner);

    /// <summary>
    /// Forgets the name this step binds before anything can stop it (runner rule 1): whatever
    /// the step prints, the name must not keep an earlier binding. Steps that bind no name do nothing.
    /// </summary>
    internal virtual void Unbind(ScenarioRunner runner)
    {
    }

    /// <summary>Called with the printed result once the step ran, even when the target threw.</summary>
    /// <param name="runner">The runner.</param>
    /// <param name="result">What the step printed.</param>
    /// <param name="skipped">True when the result is a <c>SKIP(...)</c>.</param>
    internal virtual void Completed(ScenarioRunner runner, string result, bool skipped)
    {
    }
}
