using Madvise.Host;
using Madvise.Kernel;
using Madvise.Kernel.Mm.Physical;

namespace Madvise.Replay.Replay;

/// <summary>How a trace is replayed on the simulated kernel.</summary>
public sealed record ReplayOptions
{
    /// <summary>The kernel profile of the simulated kernel.</summary>
    public KernelProfile Profile { get; init; } = KernelProfile.PerVmaLock;

    /// <summary>
    /// /proc/PID/maps of the trace's first process at the moment the trace starts (after its
    /// execve, or when strace attached): the mappings the kernel made without a traced call. Null:
    /// such memory becomes implicit mappings on first use.
    /// </summary>
    public IReadOnlyList<ProcMapping>? Maps { get; init; }

    /// <summary>
    /// Write one byte to every page of a range before replaying MADV_DONTNEED, DONTNEED_LOCKED,
    /// FREE, COLD or PAGEOUT on it. The trace has no memory accesses, but an allocator purges
    /// memory it used: without the pages present the zap finds nothing to free and no TLB to
    /// shoot down, and the profiles' differences in TLB batching cannot show. The writes are not
    /// part of the calls' measured costs.
    /// </summary>
    public bool Touch { get; init; } = true;

    /// <summary>RAM of the simulated machine (its overcommit check compares single requests with it); frames are used only as pages are populated.</summary>
    public ulong MemoryBytes { get; init; } = KernelConfig.Default.MemoryBytes;

    /// <summary>
    /// The most memory the replay populates (touched pages, MADV_POPULATE_*, mlock, MAP_POPULATE,
    /// simulated files): a call that would go beyond it is skipped and counted, so a hostile or
    /// huge log cannot exhaust the machine.
    /// </summary>
    public ulong MaxResidentBytes { get; init; } = 2UL << 30;

    /// <summary>The largest simulated file backing a file mapping; a mapping beyond it maps past the file's end.</summary>
    public ulong MaxFileBytes { get; init; } = 256UL << 20;

    /// <summary>Native memory for the simulated machine's RAM, shared by the kernels of one session's passes (see <see cref="FrameChunkPool"/>), or null.</summary>
    public FrameChunkPool? Chunks { get; init; }
}
