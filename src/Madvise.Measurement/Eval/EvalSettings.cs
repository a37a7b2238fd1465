namespace Madvise.Measurement.Eval;

/// <summary>What <c>madv eval</c> measures and how.</summary>
/// <param name="Spec">Buffer, unit and hint.</param>
/// <param name="Targets">The kernels.</param>
/// <param name="Batches">Batch sizes, ascending (0 = the madvise() loop).</param>
/// <param name="Stop">When the measurement stops.</param>
/// <param name="Warmup">Unrecorded rounds (one pass of every configuration each) before the first recorded one.</param>
/// <param name="PinCpu">The host CPU the advising thread is pinned to (sched_setaffinity), or null.</param>
/// <param name="Threads">Thread counts of the advising process (1 = the advising thread alone), ascending; null for [1].</param>
/// <param name="SiblingWork">What the sibling threads do during a pass.</param>
public sealed record EvalSettings(
    WorkloadSpec Spec,
    TargetSelection Targets,
    IReadOnlyList<int> Batches,
    EvalStopRule Stop,
    int Warmup = 1,
    int? PinCpu = null,
    IReadOnlyList<int>? Threads = null,
    SiblingWork SiblingWork = SiblingWork.Sleep);
