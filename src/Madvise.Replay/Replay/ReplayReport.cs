using Madvise.Kernel;
using Madvise.Replay.Strace;

namespace Madvise.Replay.Replay;

/// <summary>The result of <see cref="ReplaySession.Run"/>: per program and over the whole log.</summary>
public sealed class ReplayReport
{
    internal ReplayReport(ReplaySettings settings, ParseStatistics parse)
    {
        Settings = settings;
        Parse = parse;
    }

    /// <summary>What was asked.</summary>
    public ReplaySettings Settings { get; }

    /// <summary>The parser's counts (lines, unusable lines, format) from the first pass.</summary>
    public ParseStatistics Parse { get; }

    /// <summary>Programs in order of appearance.</summary>
    public List<ProgramReport> Programs { get; } = [];

    /// <summary>Every pass with its wall time; the first is the judging pass (<see cref="PassTiming.Run"/> -1).</summary>
    public List<PassTiming> Passes { get; } = [];

    /// <summary>Programs whose results differed between profiles (a profile must never change a result; a bug if not empty).</summary>
    public List<string> ProfileDisagreements { get; } = [];

    /// <summary>Events of processes that had already exited, in the judging pass.</summary>
    public long LateEvents { get; internal set; }

    /// <summary>True when the run was cancelled: the programs hold the passes completed so far.</summary>
    public bool Partial { get; internal set; }

    /// <summary>The process's peak resident memory at the end (VmHWM): the replay's own and the simulated machine's RAM; null where the system does not tell.</summary>
    public long? PeakResidentBytes { get; internal set; }

    /// <summary>Calls logged, all programs.</summary>
    public long Calls => Programs.Sum(p => p.Tally.Calls);

    /// <summary>Calls compared.</summary>
    public long Judged => Programs.Sum(p => p.Tally.Judged);

    /// <summary>Calls whose result the simulated kernel reproduced.</summary>
    public long Matched => Programs.Sum(p => p.Tally.Matched);

    /// <summary>Calls whose result differed.</summary>
    public long Differed => Programs.Sum(p => p.Tally.Differed);

    /// <summary>Calls not compared.</summary>
    public long Unjudged => Programs.Sum(p => p.Tally.UnjudgedTotal);

    /// <summary>Matched / judged in percent, or null when nothing was judged.</summary>
    public double? MatchedPercent => Judged == 0 ? null : 100.0 * Matched / Judged;

    /// <summary>Calls not compared for one reason, all programs.</summary>
    public long UnjudgedFor(Unjudged reason) => Programs.Sum(p => p.Tally.UnjudgedFor(reason));

    /// <summary>Every kept difference, all programs, in log order, with its program.</summary>
    public IEnumerable<(string Program, Difference Difference)> Differences() =>
        Programs.SelectMany(p => p.Tally.Differences.Select(d => (p.Name, d))).OrderBy(x => x.d.Line);

    /// <summary>The judging pass (the first, cold: it includes compiling the code).</summary>
    public PassTiming? FirstPass => Passes.Count == 0 ? null : Passes[0];

    /// <summary>The fastest pass of the program as logged after the judging one, or null.</summary>
    public PassTiming? FastestPass => Passes.Skip(1).Where(p => !p.Batched).MinBy(p => p.Seconds);

    /// <summary>Sum of the programs' costs on <paramref name="profile"/>, original or batched, for run <paramref name="run"/>.</summary>
    public CostSample? Total(KernelProfile profile, bool batched, int run = 0)
    {
        var samples = new List<CostSample>();
        foreach (var p in Programs)
        {
            var costs = p.Profiles.Find(c => c.Profile == profile);
            var list = costs is null ? null : batched ? costs.Batched : costs.Original;
            if (list is not null && run < list.Count)
            {
                samples.Add(list[run]);
            }
        }

        return samples.Count == 0 ? null : CostSample.Sum(samples);
    }
}
