namespace Madvise.Cli.Report;

/// <summary>One checked step of a scenario file.</summary>
/// <param name="Line">Its line in the file.</param>
/// <param name="Step">Its normalised text.</param>
/// <param name="Outcome">How it ended.</param>
/// <param name="Expected">The expectation (run) or the sim's result (check); null when not compared.</param>
/// <param name="Got">The result (run) or the host's result (check).</param>
/// <param name="Message">Why it was skipped, or the target's error.</param>
internal sealed record ScenarioCase(int Line, string Step, ScenarioCaseOutcome Outcome, string? Expected, string? Got, string? Message = null);
