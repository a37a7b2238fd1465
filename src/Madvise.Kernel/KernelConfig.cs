namespace Madvise.Kernel;

/// <summary>
/// Build and boot configuration of a simulated kernel, fixed when it is created: Linux's
/// answers depend on it (HWPOISON is an invalid behaviour without CONFIG_MEMORY_FAILURE,
/// PAGEOUT of anonymous memory does nothing without swap, ...).
/// </summary>
public sealed record KernelConfig
{
    /// <summary>RAM of the simulated machine; frames are committed lazily as they are first used.</summary>
    public ulong MemoryBytes { get; init; } = 4UL << 30;

    /// <summary>Size of the swap device; 0 = no swap.</summary>
    public ulong SwapBytes { get; init; }

    /// <summary>CONFIG_MEMORY_FAILURE: MADV_HWPOISON and MADV_SOFT_OFFLINE exist.</summary>
    public bool MemoryFailure { get; init; }

    /// <summary>Transparent huge page mode.</summary>
    public TransparentHugepageMode Thp { get; init; } = TransparentHugepageMode.Madvise;

    /// <summary>CONFIG_KSM: MADV_MERGEABLE and MADV_UNMERGEABLE exist.</summary>
    public bool Ksm { get; init; } = true;

    /// <summary>The locking design of process_madvise() and madvise() (see <see cref="KernelProfile"/>).</summary>
    public KernelProfile Profile { get; init; } = KernelProfile.PerVmaLock;

    /// <summary>vm.max_map_count.</summary>
    public int MaxMapCount { get; init; } = 65530;

    /// <summary>vm.mmap_min_addr.</summary>
    public ulong MmapMinAddr { get; init; } = 65536;

    /// <summary>The default configuration: this project's host (no swap, no memory failure, THP madvise, KSM).</summary>
    public static KernelConfig Default { get; } = new();
}
