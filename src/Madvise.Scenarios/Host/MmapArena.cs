using Madvise.Abi;

namespace Madvise.Scenarios.Host;

/// <summary>
/// Where a task's unhinted <c>mmap</c> steps are placed: a region of the address space of its
/// own, searched top-down like Linux's mmap placement, far from the .NET runtime's memory.
/// </summary>
/// <remarks>
/// <para>
/// Why: in a .NET process, an unhinted mmap lands next to the runtime's own mappings, and the
/// kernel merges compatible neighbours. The GC reserves PROT_NONE MAP_NORESERVE regions, so a
/// scenario's <c>mmap R 256p none private,anon,noreserve</c> merged with one of them, and
/// <c>vmas</c> then showed memory the scenario never mapped. In the arena the scenario's
/// mappings have only each other as neighbours, placed as Linux would place them in a process
/// that had nothing else: highest gap first, directly below the mapping above, holes reused;
/// private anonymous mappings whose length is a multiple of 2 MiB are 2 MiB-aligned, as
/// Linux 6.7+ aligns them for THP.
/// </para>
/// <para>
/// The runtime's mmaps go top-down from mmap_base (near 128 TiB) and the program's heap grows
/// up from about 85 TiB; the arenas sit between 32 and 64 TiB. Each executor in a process takes
/// its own 1 TiB arena (several targets may run at once in one test process).
/// </para>
/// </remarks>
internal sealed class MmapArena
{
    /// <summary>Top of the first arena (64 TiB).</summary>
    private const ulong FirstTop = 0x4000_0000_0000;

    /// <summary>Address space given to each arena.</summary>
    private const ulong Span = 1UL << 40;

    /// <summary>Unused space at the bottom of each arena, so arenas never touch.</summary>
    private const ulong Separation = 1UL << 30;

    /// <summary>Arenas handed out before reuse (32 × 1 TiB, down to 32 TiB).</summary>
    private const int Slots = 32;

    /// <summary>Huge page size for the THP alignment of large anonymous mappings.</summary>
    internal const ulong PmdSize = 2UL << 20;

    /// <summary>Last slot handed out in this process.</summary>
    private static int s_lastSlot = -1;

    /// <summary>Takes the next arena of this process.</summary>
    public MmapArena()
    {
        var slot = (ulong)((uint)Interlocked.Increment(ref s_lastSlot) % Slots);
        Top = FirstTop - (slot * Span);
        Bottom = Top - Span + Separation;
    }

    /// <summary>Creates an arena with explicit bounds (tests).</summary>
    internal MmapArena(ulong bottom, ulong top)
    {
        Bottom = bottom;
        Top = top;
    }

    /// <summary>Lowest address of the arena.</summary>
    public ulong Bottom { get; }

    /// <summary>First address above the arena.</summary>
    public ulong Top { get; }

    /// <summary>
    /// The alignment Linux gives an unhinted mapping: 2 MiB for a private anonymous mapping whose
    /// length is a multiple of 2 MiB (Linux: mm/mmap.c __get_unmapped_area()), else a page.
    /// </summary>
    public static ulong Alignment(ulong length, int flags, bool hasFile) =>
        !hasFile && (flags & MapFlags.MAP_TYPE) == MapFlags.MAP_PRIVATE && length % PmdSize == 0 ? PmdSize : PageSize.PAGE_SIZE;

    /// <summary>
    /// The highest <paramref name="alignment"/>-aligned address where <paramref name="length"/>
    /// bytes fit inside the arena without overlapping <paramref name="occupied"/>.
    /// </summary>
    public bool TryFindTopDown(IReadOnlyList<(ulong Start, ulong End)> occupied, ulong length, ulong alignment, out ulong address)
    {
        address = 0;
        if (length == 0 || length > Top - Bottom)
        {
            return false;
        }

        var ceiling = Top;
        for (var i = occupied.Count - 1; i >= 0 && ceiling > Bottom; i--)
        {
            var (start, end) = occupied[i];
            if (start >= ceiling)
            {
                continue;
            }

            if (TryFit(Math.Max(end, Bottom), ceiling, length, alignment, out address))
            {
                return true;
            }

            ceiling = start;
        }

        return ceiling > Bottom && TryFit(Bottom, ceiling, length, alignment, out address);
    }

    /// <summary>Highest aligned start in the gap [floor, ceiling) that fits.</summary>
    private static bool TryFit(ulong floor, ulong ceiling, ulong length, ulong alignment, out ulong address)
    {
        address = 0;
        if (ceiling <= floor || ceiling - floor < length)
        {
            return false;
        }

        address = (ceiling - length) & ~(alignment - 1);
        return address >= floor;
    }
}
