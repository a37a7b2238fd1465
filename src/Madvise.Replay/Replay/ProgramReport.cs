using Madvise.Kernel;
using Madvise.Replay.Advisor;

namespace Madvise.Replay.Replay;

/// <summary>One program's replay: what it did and how the simulated kernel answered (from the judging pass), and its costs on every profile.</summary>
public sealed class ProgramReport
{
    internal ProgramReport(ProgramTally tally) => Tally = tally;

    /// <summary>Calls, results and differences, from the first profile's pass of the program as logged.</summary>
    public ProgramTally Tally { get; }

    /// <summary>The program's name.</summary>
    public string Name => Tally.Name;

    /// <summary>Costs per profile, in the order replayed.</summary>
    public List<ProfileCosts> Profiles { get; } = [];

    /// <summary>The batching advisor's findings (from the first batched pass), or null without the advisor or when the program made no madvise() call.</summary>
    public AdvisorStatistics? Advisor { get; internal set; }

    /// <summary>Matched / judged, in percent; null when nothing was judged.</summary>
    public double? MatchedPercent => Tally.Judged == 0 ? null : 100.0 * Tally.Matched / Tally.Judged;

    internal ProfileCosts CostsFor(KernelProfile profile)
    {
        var costs = Profiles.Find(p => p.Profile == profile);
        if (costs is null)
        {
            costs = new ProfileCosts(profile);
            Profiles.Add(costs);
        }

        return costs;
    }
}
