namespace Madvise.Kernel.Mm.Reclaim;

/// <summary>Why <see cref="Vmscan.TryUnmap"/> unmaps a frame (Linux: try_to_unmap() flags).</summary>
internal enum UnmapMode
{
    /// <summary>Reclaim: stop at a page mlocked since reclaim looked at it; a dirty PTE of a page-cache page passes its dirtiness to the page (try_to_unmap_one()).</summary>
    Reclaim,

    /// <summary>Reclaim of a lazy-free page: a dirty PTE means it was written again; keep it.</summary>
    LazyFree,

    /// <summary>The page is going away regardless (hole punch, memory failure).</summary>
    Force,
}
