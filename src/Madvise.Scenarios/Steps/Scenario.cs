namespace Madvise.Scenarios.Steps;

/// <summary>A parsed scenario file: its steps in file order.</summary>
/// <param name="Path">The file the scenario was read from (as given to the parser).</param>
/// <param name="Steps">The steps, one per non-blank, non-comment line.</param>
public sealed record Scenario(string Path, IReadOnlyList<Step> Steps);
