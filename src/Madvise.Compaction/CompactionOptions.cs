namespace Madvise.Compaction;

/// <summary>What a compaction does and how it sizes its calls.</summary>
public sealed record CompactionOptions
{
    /// <summary>Which mappings get which advice [default: All].</summary>
    public CompactionMode Mode { get; init; } = CompactionMode.All;

    /// <summary>How calls are sized [default: Budget].</summary>
    public SizingStrategy Strategy { get; init; } = SizingStrategy.Budget;

    /// <summary>The longest a call should hold the target's mmap_lock (Budget strategy) [default: 1 ms].</summary>
    public TimeSpan Budget { get; init; } = TimeSpan.FromMilliseconds(1);

    /// <summary>
    /// The share of <see cref="Budget"/> each call is sized for (0 &lt; x ≤ 1) [default: 0.5]: the
    /// cost model predicts a call's work from the calls before it, and the margin absorbs its errors.
    /// </summary>
    public double TargetFraction { get; init; } = 0.5;

    /// <summary>Ranges per call of the Fixed strategy [default: UIO_MAXIOV, 1024]; at most 1024 in any strategy.</summary>
    public int MaxRanges { get; init; } = IoVec.UIO_MAXIOV;

    /// <summary>Bytes per call of the Fixed strategy [default: MAX_RW_COUNT]; at most MAX_RW_COUNT in any strategy.</summary>
    public ulong MaxBytes { get; init; } = IoVec.MAX_RW_COUNT;

    /// <summary>
    /// MADV_PAGEOUT instead of MADV_COLD for private file mappings (not Android's choice): clean page
    /// cache pages only this process maps are dropped at once, which frees memory without swap.
    /// </summary>
    public bool FilePageout { get; init; }

    /// <summary>Read the maps and plan, make no call.</summary>
    public bool DryRun { get; init; }

    /// <summary>Stop starting calls after this much wall time (checked between calls); null for none.</summary>
    public TimeSpan? Deadline { get; init; }

    /// <summary>The cost model's starting point before any call was measured [default: <see cref="CostPrior.Default"/>].</summary>
    public CostPrior Prior { get; init; } = CostPrior.Default;

    /// <summary>Checks the values; throws <see cref="ArgumentOutOfRangeException"/> for one out of range.</summary>
    public void Validate()
    {
        if (Budget <= TimeSpan.Zero || Budget > TimeSpan.FromSeconds(60))
        {
            throw new ArgumentOutOfRangeException(nameof(Budget), Budget, "The budget must be more than 0 and at most 60 s.");
        }

        if (!(TargetFraction > 0 && TargetFraction <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(TargetFraction), TargetFraction, "The target fraction must be more than 0 and at most 1.");
        }

        if (MaxRanges is < 1 or > IoVec.UIO_MAXIOV)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxRanges), MaxRanges, "Ranges per call must be 1 to 1024 (UIO_MAXIOV).");
        }

        if (MaxBytes < PageSize.PAGE_SIZE || MaxBytes > IoVec.MAX_RW_COUNT)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxBytes), MaxBytes, "Bytes per call must be 4 KiB to MAX_RW_COUNT (2 GiB - 4 KiB).");
        }

        if (Deadline is { } d && d <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(Deadline), d, "The deadline must be positive.");
        }
    }
}
