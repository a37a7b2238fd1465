using Madvise.Kernel;
using Madvise.Measurement.Statistics;

namespace Madvise.Replay.Replay;

/// <summary>A program's costs on one kernel profile: the program as logged and rewritten by the batching advisor, one sample per run.</summary>
public sealed class ProfileCosts
{
    internal ProfileCosts(KernelProfile profile) => Profile = profile;

    /// <summary>The profile.</summary>
    public KernelProfile Profile { get; }

    /// <summary>The program as logged, one sample per run.</summary>
    public List<CostSample> Original { get; } = [];

    /// <summary>The program with its madvise() runs batched, one sample per run (empty without the advisor).</summary>
    public List<CostSample> Batched { get; } = [];

    /// <summary>Summary of the original program's advice-call time over the runs.</summary>
    public SampleSummary OriginalAdviceTime => SampleSummary.Of(Original.Select(s => s.AdviceSeconds));

    /// <summary>Summary of the batched program's advice-call time over the runs.</summary>
    public SampleSummary BatchedAdviceTime => SampleSummary.Of(Batched.Select(s => s.AdviceSeconds));

    /// <summary>batched / original advice-call time with its interval (null without the advisor, or when a time is 0).</summary>
    public RatioEstimate? AdviceTimeRatio =>
        Batched.Count == 0 || Original.Count == 0 ? null : RatioEstimate.Of(Batched.Select(s => s.AdviceSeconds).ToList(), Original.Select(s => s.AdviceSeconds).ToList());
}
