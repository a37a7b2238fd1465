namespace Madvise.Compaction;

/// <summary>How the engine cuts the plan into process_madvise() calls.</summary>
public enum SizingStrategy
{
    /// <summary>
    /// Each call is sized from a cost model learned from the calls before it so that it stays
    /// within <see cref="CompactionOptions.Budget"/>; a range is split at page granularity where
    /// one would not fit.
    /// </summary>
    Budget,

    /// <summary>
    /// Android's fixed batching: up to <see cref="CompactionOptions.MaxRanges"/> ranges (UIO_MAXIOV)
    /// and <see cref="CompactionOptions.MaxBytes"/> (MAX_RW_COUNT) per call, a larger VMA split only
    /// where the byte cap falls, whatever the call costs.
    /// </summary>
    Fixed,
}
