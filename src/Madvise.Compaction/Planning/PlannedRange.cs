namespace Madvise.Compaction.Planning;

/// <summary>One mapping to advise: its range and whether it is a PROT_NONE reservation (priced apart by the cost model).</summary>
/// <param name="Start">First address.</param>
/// <param name="End">First address after it.</param>
/// <param name="Reserved">PROT_NONE.</param>
public readonly record struct PlannedRange(ulong Start, ulong End, bool Reserved)
{
    /// <summary>Bytes.</summary>
    public ulong Length => End - Start;
}
