namespace Madvise.Kernel.Mm.Reclaim;

/// <summary>
/// The per-CPU folio batches the model keeps (Linux: the members of <c>struct cpu_fbatches</c>
/// in mm/swap.c), in the order <see cref="LruBatches.Drain"/> empties them (lru_add_drain_cpu()).
/// </summary>
internal enum LruBatchKind
{
    /// <summary>lru_deactivate: active folios MADV_COLD moves to the inactive list (folio_deactivate()).</summary>
    Deactivate = 0,

    /// <summary>lru_lazyfree: anonymous folios MADV_FREE makes lazy-free (folio_mark_lazyfree()).</summary>
    LazyFree = 1,
}
