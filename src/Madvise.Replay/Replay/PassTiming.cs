using Madvise.Kernel;

namespace Madvise.Replay.Replay;

/// <summary>One pass over the log: reading, parsing and replaying it on one profile.</summary>
/// <param name="Profile">The profile.</param>
/// <param name="Batched">True for the program rewritten by the batching advisor.</param>
/// <param name="Run">The run (0-based); -1 for the judging pass.</param>
/// <param name="Seconds">Wall-clock time of the pass.</param>
/// <param name="CpuSeconds">Processor time this process used during the pass (all its threads; on a loaded machine a truer measure of the work than the wall clock).</param>
/// <param name="Calls">Calls in the log.</param>
public sealed record PassTiming(KernelProfile Profile, bool Batched, int Run, double Seconds, double CpuSeconds, long Calls)
{
    /// <summary>Calls replayed per second of the pass.</summary>
    public double CallsPerSecond => Seconds > 0 ? Calls / Seconds : 0;

    /// <summary>Calls replayed per second of processor time.</summary>
    public double CallsPerCpuSecond => CpuSeconds > 0 ? Calls / CpuSeconds : 0;
}
