namespace Madvise.Kernel;

/// <summary>
/// Build and boot configuration of a simulated kernel, fixed when it is created: Linux's
/// answers depend on it (HWPOISON is an invalid behaviour without CONFIG_MEMORY_FAILURE,
/// PAGEOUT of anonymous memory does nothing without swap, ...).
/// </summary>
/// <remarks>
/// <para>Limits (<see cref="Validate"/>; the kernel's constructor refuses anything else with an
/// <see cref="ArgumentOutOfRangeException"/>): RAM from <see cref="MinMemoryBytes"/> to
/// <see cref="MaxMemoryBytes"/>, swap up to <see cref="MaxSwapBytes"/>. Why: frames and swap slots
/// are numbered with 31 bits, and a kernel's fixed host cost is a directory of 16 bytes per 2 MiB
/// of RAM and 8 bytes per 2 MiB of swap (8 MiB and 4 MiB at the limits); everything else is
/// committed as it is used: frames as they are first allocated, swap as slots are first
/// written. The host memory a kernel can take is its RAM (frames' data, page tables included,
/// and their metadata) plus the swap it has written, plus the managed objects of its tasks.
/// Whether this machine can afford a configuration is the caller's question (the scenario
/// runner refuses a swap device larger than the machine's memory).</para>
/// </remarks>
public sealed record KernelConfig
{
    /// <summary>Smallest <see cref="MemoryBytes"/>: 2 MiB (one chunk of frames).</summary>
    public const ulong MinMemoryBytes = 2UL << 20;

    /// <summary>Largest <see cref="MemoryBytes"/>: 1 TiB (2^28 frames).</summary>
    public const ulong MaxMemoryBytes = 1UL << 40;

    /// <summary>Largest <see cref="SwapBytes"/>: 1 TiB (2^28 slots).</summary>
    public const ulong MaxSwapBytes = 1UL << 40;

    /// <summary>Smallest <see cref="PidMax"/>: Linux's RESERVED_PIDS + 1.</summary>
    public const int MinPidMax = 301;

    /// <summary>Largest <see cref="PidMax"/>: Linux's PID_MAX_LIMIT on 64-bit.</summary>
    public const int MaxPidMax = 4 * 1024 * 1024;

    /// <summary>RAM of the simulated machine; frames are committed lazily as they are first used. Rounded up to 2 MiB.</summary>
    public ulong MemoryBytes { get; init; } = 4UL << 30;

    /// <summary>Size of the swap device; 0 = no swap. Rounded down to 4 KiB (less than a page is no swap).</summary>
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

    /// <summary>
    /// kernel.pid_max: pids run below it, so at most this many tasks (zombies included) exist at
    /// once, and fork fails with -EAGAIN beyond (32768, Linux's default on a machine of up to 32 CPUs).
    /// </summary>
    public int PidMax { get; init; } = 32768;

    /// <summary>The default configuration: this project's host (no swap, no memory failure, THP madvise, KSM).</summary>
    public static KernelConfig Default { get; } = new();

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first setting outside its limits (class remarks).</summary>
    public void Validate()
    {
        if (MemoryBytes is < MinMemoryBytes or > MaxMemoryBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(MemoryBytes), MemoryBytes,
                $"simulated RAM must be from {MinMemoryBytes >> 20} MiB to {MaxMemoryBytes >> 40} TiB");
        }

        if (SwapBytes > MaxSwapBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(SwapBytes), SwapBytes, $"simulated swap must be at most {MaxSwapBytes >> 40} TiB");
        }

        if (MaxMapCount < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxMapCount), MaxMapCount, "vm.max_map_count cannot be negative");
        }

        if (PidMax is < MinPidMax or > MaxPidMax)
        {
            throw new ArgumentOutOfRangeException(nameof(PidMax), PidMax, $"kernel.pid_max must be from {MinPidMax} to {MaxPidMax}");
        }

        if (!Enum.IsDefined(Profile))
        {
            throw new ArgumentOutOfRangeException(nameof(Profile), Profile, "unknown kernel profile");
        }

        if (!Enum.IsDefined(Thp))
        {
            throw new ArgumentOutOfRangeException(nameof(Thp), Thp, "unknown transparent huge page mode");
        }
    }
}
