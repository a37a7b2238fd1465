namespace Madvise.Scenarios.Steps;

/// <summary>A parsed scenario file: its steps in file order.</summary>
/// <param name="Path">The file the scenario was read from (as given to the parser).</param>
/// <param name="Steps">The steps, one per non-blank, non-comment line.</param>
public sealed record Scenario(string Path, IReadOnlyList<Step> Steps)
{
    /// <summary>
    /// Why the file cannot agree on the host (<c># @host-divergent: REASON</c> in its header, or
    /// the reason of its first step that carries the marker), or null when it must agree
    /// everywhere. See ScenarioRunner.cs, rule 9, for what the runner does with it.
    /// </summary>
    public string? HostDivergent { get; init; }

    /// <summary>Why the file needs a configuration other than the reference host's (<c># sim-only: REASON</c> in its header), or null.</summary>
    public string? SimOnly { get; init; }
}
