namespace Madvise.Cli.Report;

/// <summary>What <c>madv run</c> or <c>madv check</c> found in one file, for <c>--json</c> and <c>--junit</c>.</summary>
/// <param name="Path">The file as given on the command line.</param>
/// <param name="Target">The target (<c>sim</c>, <c>host</c>) or, for check, <c>sim,host</c>.</param>
/// <param name="Steps">Steps in the file (0 when it could not be loaded).</param>
/// <param name="Cases">Every checked step: with an expectation (run) or compared/skipped between targets (check).</param>
/// <param name="LoadError">Why the file could not be read or parsed; null when it ran.</param>
/// <param name="Seconds">Wall time of the file.</param>
internal sealed record ScenarioFileResult(string Path, string Target, int Steps, IReadOnlyList<ScenarioCase> Cases, string? LoadError, double Seconds)
{
    /// <summary>Cases that passed.</summary>
    public int Held => Count(ScenarioCaseOutcome.Passed);

    /// <summary>Cases that failed.</summary>
    public int Mismatched => Count(ScenarioCaseOutcome.Failed);

    /// <summary>Cases skipped.</summary>
    public int Skipped => Count(ScenarioCaseOutcome.Skipped);

    /// <summary>Cases on which the target failed.</summary>
    public int Errors => Count(ScenarioCaseOutcome.Error);

    private int Count(ScenarioCaseOutcome outcome)
    {
        var n = 0;
        foreach (var c in Cases)
        {
            n += c.Outcome == outcome ? 1 : 0;
        }

        return n;
    }
}
