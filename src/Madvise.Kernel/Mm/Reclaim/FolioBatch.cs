namespace Madvise.Kernel.Mm.Reclaim;

/// <summary>
/// A fixed array of up to <see cref="Size"/> frames waiting for the same LRU operation (Linux:
/// include/linux/pagevec.h <c>struct folio_batch</c>). Each entry holds a reference on its frame.
/// </summary>
/// <remarks>Not thread-safe: its owner (<see cref="CpuFolioBatches"/>) guards it with its lock.</remarks>
internal sealed class FolioBatch
{
    /// <summary>Entries per batch (PAGEVEC_SIZE / FOLIO_BATCH_SIZE).</summary>
    public const int Size = 31;

    private readonly int[] _pfns = new int[Size];

    /// <summary>Frames in the batch.</summary>
    public int Count { get; private set; }

    /// <summary>Appends <paramref name="pfn"/> (folio_batch_add()).</summary>
    /// <returns>The room left; 0 means the batch is full and must be emptied now.</returns>
    /// <exception cref="InvalidOperationException">The batch was already full (a caller did not empty it).</exception>
    public int Add(int pfn)
    {
        if (Count == Size)
        {
            throw new InvalidOperationException("folio batch overflow: a full batch was not emptied");
        }

        _pfns[Count++] = pfn;
        return Size - Count;
    }

    /// <summary>The entries, oldest first (valid until the batch changes).</summary>
    public ReadOnlySpan<int> Entries => _pfns.AsSpan(0, Count);

    /// <summary>Moves every entry, in the order added, into <paramref name="into"/> and empties the batch.</summary>
    /// <returns>How many entries were moved.</returns>
    public int TakeAll(Span<int> into)
    {
        var n = Count;
        _pfns.AsSpan(0, n).CopyTo(into);
        Count = 0;
        return n;
    }
}
