namespace Madvise.Measurement.Workloads;

/// <summary>
/// The contention writer's operation: one system call that takes the mmap_lock for writing on a
/// page of its own, fenced by PROT_NONE pages so it never merges with (and so never locks) the
/// advised buffer's VMA.
/// </summary>
public interface IMmapWriter : IDisposable
{
    /// <summary>Runs the next operation (the kinds alternate two calls). Returns 0, or a negative errno.</summary>
    long Step();
}
