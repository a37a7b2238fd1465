using HdrHistogram;
using Madvise.Compaction.Engine;

namespace Madvise.Measurement.Compaction;

/// <summary>
/// One kernel of <c>madv compact-bench</c> with its target process: a generated layout to
/// compact, a way to fault it back in between runs, and a writer thread inside the target that
/// keeps taking the target's mmap_lock for writing and times each call.
/// </summary>
public interface ICompactBenchKernel : IDisposable
{
    /// <summary><c>BatchedLock</c>, <c>host</c>.</summary>
    string Label { get; }

    /// <summary><c>sim</c> or <c>host</c>.</summary>
    string Kind { get; }

    /// <summary>The simulated profile; null for the host.</summary>
    string? Profile { get; }

    /// <summary>The host CPU the compacting thread is pinned to during each run; null to leave it to the scheduler.</summary>
    int? CompactorCpu { get; }

    /// <summary>The target the engine compacts.</summary>
    ICompactionTarget Target { get; }

    /// <summary>Faults every page of the layout back in (what the last run paged out comes back from swap).</summary>
    void Touch();

    /// <summary>Starts the writer with an empty histogram.</summary>
    void StartWriter();

    /// <summary>Stops the writer; how long each of its calls took since <see cref="StartWriter"/>, in ns.</summary>
    LongHistogram StopWriter();

    /// <summary>
    /// Remote TLB invalidations so far: on a simulated kernel the other CPUs its shootdowns
    /// visited (KernelStatistics.TlbRemoteFlushes), on the host the TLB shootdown interrupts of
    /// the whole machine (/proc/interrupts, other processes' included); -1 where not observable.
    /// </summary>
    long RemoteTlbFlushes();
}
