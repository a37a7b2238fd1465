namespace Madvise.Compaction.Sizing;

/// <summary>What a vector asks of the kernel, as the cost model sees it.</summary>
/// <param name="Ranges">iovec entries.</param>
/// <param name="AccessibleBytes">Bytes in mappings that can hold pages.</param>
/// <param name="ReservedBytes">Bytes in PROT_NONE mappings.</param>
public readonly record struct VectorShape(int Ranges, ulong AccessibleBytes, ulong ReservedBytes)
{
    /// <summary>All bytes.</summary>
    public ulong Bytes => AccessibleBytes + ReservedBytes;

    /// <summary>This shape plus one range of <paramref name="length"/> bytes.</summary>
    public VectorShape Add(ulong length, bool reserved) => reserved
        ? new(Ranges + 1, AccessibleBytes, ReservedBytes + length)
        : new(Ranges + 1, AccessibleBytes + length, ReservedBytes);
}
