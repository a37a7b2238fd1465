using Madvise.Compaction;
using Madvise.Kernel;

namespace Madvise.Measurement.Compaction;

/// <summary>What <c>madv compact-bench</c> measures.</summary>
/// <param name="Mem">Bytes the target's layout touches.</param>
/// <param name="Vmas">Mappings of the layout.</param>
/// <param name="Seed">Layout seed.</param>
/// <param name="SwapBytes">Swap of each simulated kernel.</param>
/// <param name="Profiles">Simulated profiles to measure.</param>
/// <param name="Madv">The command that runs madv, to start the host's target; null to leave the host out.</param>
/// <param name="Mode">Compaction mode.</param>
/// <param name="Budget">The budget strategy's per-call budget.</param>
/// <param name="Runs">Compactions per strategy and kernel (fixed and budget interleaved, in shuffled order each round).</param>
/// <param name="IdleTime">How long the writer runs alone per kernel.</param>
/// <param name="WriterInterval">The writer starts a call at most this often.</param>
/// <param name="HostPlacements">The host's placements to measure, each a kernel of its own (<c>--host-cpus</c>) [default: free].</param>
public sealed record CompactBenchSettings(
    ulong Mem,
    int Vmas,
    int Seed,
    ulong SwapBytes,
    IReadOnlyList<KernelProfile> Profiles,
    IReadOnlyList<string>? Madv,
    CompactionMode Mode,
    TimeSpan Budget,
    int Runs,
    TimeSpan IdleTime,
    TimeSpan WriterInterval,
    IReadOnlyList<HostPlacement>? HostPlacements = null)
{
    /// <summary>The host's placements, <see cref="HostPlacement.Free"/> when none were given.</summary>
    public IReadOnlyList<HostPlacement> Placements => HostPlacements is { Count: > 0 } p ? p : [HostPlacement.Free];

    /// <summary>The two strategies compared: Android's fixed batches and the budget.</summary>
    public IReadOnlyList<CompactionOptions> Strategies =>
    [
        new CompactionOptions { Mode = Mode, Strategy = SizingStrategy.Fixed, Budget = Budget },
        new CompactionOptions { Mode = Mode, Strategy = SizingStrategy.Budget, Budget = Budget },
    ];
}
