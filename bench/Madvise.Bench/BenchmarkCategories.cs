namespace Madvise.Bench;

/// <summary>Category names for <c>[BenchmarkCategory]</c>, selectable with <c>--anyCategories</c> / <c>--allCategories</c>.</summary>
public static class BenchmarkCategories
{
    /// <summary>Memory-management structures of the simulated kernel: VMA tree, page tables, frames, faults.</summary>
    public const string Mm = "Mm";

    /// <summary>The madvise / process_madvise paths.</summary>
    public const string Advice = "Advice";

    /// <summary>Calls into the host kernel (real system calls on this machine).</summary>
    public const string Host = "Host";

    /// <summary>Locks of the simulated kernel (mmap_lock, VMA locks).</summary>
    public const string Locking = "Locking";

    /// <summary>Paths with no other thread involved.</summary>
    public const string Uncontended = "Uncontended";

    /// <summary>Paths where threads wait for each other.</summary>
    public const string Contended = "Contended";

    /// <summary>Statistics recording (histograms, counters).</summary>
    public const string Statistics = "Statistics";
}
