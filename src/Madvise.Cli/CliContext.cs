using Madvise.Measurement.Workloads;
using Madvise.Scenarios;

namespace Madvise.Cli;

/// <summary>What every command needs from its surroundings; tests pass their own writers and targets.</summary>
/// <param name="Targets">The scenario targets this build offers.</param>
/// <param name="Out">Standard output.</param>
/// <param name="Error">Standard error.</param>
/// <param name="Memory">Reads how much memory a measurement may take (null: this machine's, <see cref="MemoryAvailability.Current"/>).</param>
internal sealed record CliContext(ScenarioTargets Targets, TextWriter Out, TextWriter Error, Func<MemoryAvailability>? Memory = null)
{
    /// <summary>How much memory a measurement may take now.</summary>
    public MemoryAvailability ReadMemory() => (Memory ?? MemoryAvailability.Current)();
}
