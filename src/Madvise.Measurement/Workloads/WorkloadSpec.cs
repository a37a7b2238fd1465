using Madvise.Abi;
using Madvise.Kernel;

namespace Madvise.Measurement.Workloads;

/// <summary>
/// What every pass does, the seed's experiment: a private anonymous buffer of <see cref="Mem"/>
/// bytes, every page written, then <see cref="Hint"/> applied to all of it in units of
/// <see cref="Unit"/> bytes.
/// </summary>
/// <param name="Mem">Buffer size in bytes; a multiple of <paramref name="Unit"/>.</param>
/// <param name="Unit">Bytes per advised range; a multiple of the page size.</param>
/// <param name="Hint">The madvise behaviour number.</param>
/// <param name="Thp">
/// Transparent huge pages (<c>--thp</c>): null runs the seed's workload as it always was. Set, the
/// buffer is THP-backed as that mode allows — the simulated kernel runs in that mode, the host
/// must already (its mode is machine-wide), and with <c>madvise</c> the buffer gets
/// MADV_HUGEPAGE — and each pass starts from a fresh buffer: before the pages are written,
/// MADV_DONTNEED of the whole buffer frees its emptied page tables (CONFIG_PT_RECLAIM), so the
/// first store in each 2 MiB block may fault in a huge page, which the 4 KiB units then split.
/// </param>
public sealed record WorkloadSpec(ulong Mem, ulong Unit, MemoryAdvice Hint, TransparentHugepageMode? Thp = null)
{
    /// <summary>The <c>--thp</c> word of <see cref="Thp"/> (always, madvise, never), or null.</summary>
    public string? ThpName => Thp?.ToString().ToLowerInvariant();

    /// <summary>Ranges per pass.</summary>
    public int Units => (int)(Mem / Unit);

    /// <summary>The behaviour's name without MADV_ (e.g. DONTNEED).</summary>
    public string HintName => MemoryAdviceNames.Name(Hint) ?? ((int)Hint).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Pages of the buffer.</summary>
    public long Pages => (long)(Mem / PageSize.PAGE_SIZE);

    /// <summary>Checks the sizes; null when they fit together, else the reason.</summary>
    public static string? Validate(ulong mem, ulong unit)
    {
        if (unit < PageSize.PAGE_SIZE || unit % PageSize.PAGE_SIZE != 0)
        {
            return $"--unit must be a multiple of {PageSize.PAGE_SIZE} bytes";
        }

        if (mem < unit || mem % unit != 0)
        {
            return "--mem must be a positive multiple of --unit";
        }

        if (mem > MaxMem)
        {
            return $"--mem may be at most {ByteSize.Format(MaxMem)}";
        }

        return null;
    }

    /// <summary>Largest buffer accepted: each simulated profile holds its own copy in native memory.</summary>
    public const ulong MaxMem = 16UL << 30;
}
