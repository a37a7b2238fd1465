using Madvise.Host;
using Madvise.Kernel;
using Madvise.Kernel.Mm.Physical;
using Madvise.Replay.Advisor;

namespace Madvise.Replay.Replay;

/// <summary>What <see cref="ReplaySession"/> does with a log.</summary>
public sealed record ReplaySettings
{
    /// <summary>Every kernel profile, in the order the series' history added them.</summary>
    public static IReadOnlyList<KernelProfile> AllProfiles { get; } = Enum.GetValues<KernelProfile>();

    /// <summary>The strace log.</summary>
    public required string LogPath { get; init; }

    /// <summary>The maps file the first process starts from (see <see cref="ReplayOptions.Maps"/>), or null.</summary>
    public string? MapsPath { get; init; }

    /// <summary>Its mappings (read from <see cref="MapsPath"/>).</summary>
    public IReadOnlyList<ProcMapping>? Maps { get; init; }

    /// <summary>The profiles to replay on; the first judges the results.</summary>
    public IReadOnlyList<KernelProfile> Profiles { get; init; } = AllProfiles;

    /// <summary>Replay the program rewritten with batched vectors too (the batching advisor).</summary>
    public bool Advisor { get; init; } = true;

    /// <summary>The advisor's window (see <see cref="BatchingAdvisor.WindowMicros"/>).</summary>
    public long WindowMicros { get; init; } = BatchingAdvisor.DefaultWindowMicros;

    /// <summary>How many times each pass runs (timings become samples).</summary>
    public int Runs { get; init; } = 1;

    /// <summary>See <see cref="ReplayOptions.Touch"/>.</summary>
    public bool Touch { get; init; } = true;

    /// <summary>See <see cref="ReplayOptions.MemoryBytes"/>.</summary>
    public ulong MemoryBytes { get; init; } = KernelConfig.Default.MemoryBytes;

    /// <summary>See <see cref="ReplayOptions.MaxResidentBytes"/>.</summary>
    public ulong MaxResidentBytes { get; init; } = 2UL << 30;

    internal ReplayOptions OptionsFor(KernelProfile profile, FrameChunkPool? chunks = null) => new()
    {
        Profile = profile,
        Chunks = chunks,
        Maps = Maps,
        Touch = Touch,
        MemoryBytes = MemoryBytes,
        MaxResidentBytes = MaxResidentBytes,
    };
}
