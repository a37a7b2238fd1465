namespace Madvise.Compaction.Engine;

/// <summary>The swap space anonymous pages could be paged out to.</summary>
/// <param name="TotalKiB">Size of the active swap areas; 0 without swap.</param>
/// <param name="FreeKiB">Unused swap.</param>
/// <param name="ZramUsedKiB">Memory the zram devices use to hold what was swapped to them (their mem_used_total);
/// null when there is no zram device. Android subtracts its growth from the anonymous memory freed.</param>
public sealed record SwapState(long TotalKiB, long FreeKiB, long? ZramUsedKiB)
{
    /// <summary>No swap at all.</summary>
    public static SwapState None { get; } = new(0, 0, null);
}
