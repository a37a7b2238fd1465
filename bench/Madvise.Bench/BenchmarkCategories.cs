namespace Madvise.Bench;

/// <summary>Category names for <c>--anyCategories</c> / <c>--allCategories</c> filters.</summary>
public static class BenchmarkCategories
{
    /// <summary>Locks of the simulated kernel (mmap_lock, VMA locks).</summary>
    public const string Locking = "Locking";

    /// <summary>Paths with no other thread involved.</summary>
    public const string Uncontended = "Uncontended";

    /// <summary>Paths where threads wait for each other.</summary>
    public const string Contended = "Contended";

    /// <summary>Statistics recording (histograms, counters).</summary>
    public const string Statistics = "Statistics";
}
