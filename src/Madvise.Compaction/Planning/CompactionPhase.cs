namespace Madvise.Compaction.Planning;

/// <summary>The mappings that get one advice, in address order (Android: pageoutVmas or coldVmas).</summary>
public sealed class CompactionPhase
{
    /// <summary>Creates a phase.</summary>
    public CompactionPhase(MemoryAdvice advice, PlannedRange[] ranges)
    {
        ArgumentNullException.ThrowIfNull(ranges);
        Advice = advice;
        Ranges = ranges;
        foreach (var r in ranges)
        {
            Bytes += r.Length;
            ReservedBytes += r.Reserved ? r.Length : 0;
        }
    }

    /// <summary>MADV_PAGEOUT or MADV_COLD.</summary>
    public MemoryAdvice Advice { get; }

    /// <summary>One range per mapping, in address order.</summary>
    public PlannedRange[] Ranges { get; }

    /// <summary>Mappings in the phase.</summary>
    public int Vmas => Ranges.Length;

    /// <summary>Bytes of all of them.</summary>
    public ulong Bytes { get; }

    /// <summary>Bytes of the PROT_NONE ones.</summary>
    public ulong ReservedBytes { get; }
}
