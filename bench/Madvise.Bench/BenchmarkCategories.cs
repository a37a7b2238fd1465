namespace Madvise.Bench;

/// <summary>Category names for <c>[BenchmarkCategory]</c>, selectable with <c>--anyCategories</c>.</summary>
public static class BenchmarkCategories
{
    /// <summary>Memory-management structures of the simulated kernel: VMA tree, page tables, frames, mmap_lock.</summary>
    public const string Mm = "Mm";
}
