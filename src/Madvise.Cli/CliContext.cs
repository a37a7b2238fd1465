using Madvise.Scenarios;

namespace Madvise.Cli;

/// <summary>What every command needs from its surroundings; tests pass their own writers and targets.</summary>
/// <param name="Targets">The scenario targets this build offers.</param>
/// <param name="Out">Standard output.</param>
/// <param name="Error">Standard error.</param>
internal sealed record CliContext(ScenarioTargets Targets, TextWriter Out, TextWriter Error);
