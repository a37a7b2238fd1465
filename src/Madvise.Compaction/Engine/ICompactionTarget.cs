namespace Madvise.Compaction.Engine;

/// <summary>
/// The process being compacted: a real process of the running kernel (<c>Host/</c>) or a task of
/// a simulated kernel (<c>Sim/</c>). What the engine needs from it is what Android's compactor
/// uses: its mappings, its memory counters, process_madvise() on it.
/// </summary>
public interface ICompactionTarget : IDisposable
{
    /// <summary>For reports: <c>pid 1234 (name)</c>, <c>simulated pid 1001 (BatchedLock)</c>.</summary>
    string Description { get; }

    /// <summary>The process id.</summary>
    int Pid { get; }

    /// <summary>First address user space cannot use: a range reaching above it fails the whole vector with EFAULT.</summary>
    ulong UserAddressLimit { get; }

    /// <summary>The mappings in address order (/proc/PID/maps).</summary>
    /// <exception cref="CompactionException">They cannot be read (ESRCH: the process is gone; EACCES: no PTRACE_MODE_READ).</exception>
    IReadOnlyList<TargetMapping> ReadMappings();

    /// <summary>The memory counters (/proc/PID/smaps_rollup); null when they cannot be read (the process is gone).</summary>
    MemoryRollup? ReadRollup();

    /// <summary>The swap the target's anonymous pages could go to.</summary>
    SwapState ReadSwap();

    /// <summary>process_madvise(pidfd, <paramref name="vector"/>, <paramref name="advice"/>, 0); an empty vector only checks access.</summary>
    /// <returns>Bytes advised (the ranges that completed before the first failure), or a negative errno.</returns>
    long ProcessMadvise(ReadOnlySpan<IoVec> vector, MemoryAdvice advice);
}
