using Madvise.Kernel.Mm.Reclaim;

namespace Madvise.Kernel.Mm.Physical;

/// <summary>Per-frame state bits (Linux: <c>PG_*</c> folio flags). Updated with atomic OR/AND.</summary>
[Flags]
internal enum PageFlags
{
    None = 0,

    /// <summary>The frame is on the allocator's free list.</summary>
    Free = 1 << 0,

    /// <summary>PG_reserved: the shared zero page; never freed, never on an LRU.</summary>
    Reserved = 1 << 1,

    /// <summary>Anonymous memory (Mapping is an <see cref="AnonVma"/>); otherwise page cache.</summary>
    Anon = 1 << 2,

    /// <summary>PG_swapbacked: reclaim must swap it out. Cleared by MADV_FREE (lazy free).</summary>
    SwapBacked = 1 << 3,

    /// <summary>PG_dirty: contents differ from the backing store (file/shmem page cache pages).</summary>
    Dirty = 1 << 4,

    /// <summary>PG_referenced: accessed since the last aging pass.</summary>
    Referenced = 1 << 5,

    /// <summary>PG_lru: the frame is on one of the LRU lists.</summary>
    Lru = 1 << 6,

    /// <summary>PG_active: on an active list rather than an inactive one.</summary>
    Active = 1 << 7,

    /// <summary>PG_unevictable: on the unevictable list.</summary>
    Unevictable = 1 << 8,

    /// <summary>PG_mlocked: mapped by at least one VM_LOCKED VMA.</summary>
    Mlocked = 1 << 9,

    /// <summary>PG_hwpoison: a memory failure was injected; the frame is never reused.</summary>
    HwPoison = 1 << 10,

    /// <summary>PG_swapcache: the frame caches a swap slot (<see cref="PageFrame.SwapSlot"/>).</summary>
    SwapCache = 1 << 11,

    /// <summary>Shmem (tmpfs/memfd/shared anonymous) page cache page: swap-backed, never written to a disk.</summary>
    Shmem = 1 << 12,

    /// <summary>
    /// PG_head of a PMD-sized page-cache folio: this frame and the 511 after it cache the 512
    /// pages from its (2 MiB-aligned) index, and a fault may map them with one huge entry.
    /// Cleared when any of them leaves the page cache (the folio is split).
    /// </summary>
    LargeHead = 1 << 13,

    /// <summary>
    /// One of the 512 frames of an anonymous large folio (a transparent huge page), mapped by a
    /// huge entry or, once that was split, by PTEs. The folio-wide state Linux keeps once (dirty,
    /// lazy-free) is kept the same on all its frames. Cleared on every frame when the folio is
    /// split (split_folio()), and on a frame when it is freed.
    /// </summary>
    AnonLarge = 1 << 14,

    /// <summary>
    /// The inverse of PG_anon_exclusive (PageAnonExclusive()): fork shared this anonymous page
    /// with a child, and no copy-on-write or unshare fault has since found it the faulting
    /// mapping's alone (which clears the flag). A page without it is exclusive only when its
    /// mapping is also its one user (the model's test: map count 1, reference count 1 apart from
    /// folio batches). A page with it that a batch holds must be copied by a pinning read.
    /// </summary>
    AnonShared = 1 << 16,

    /// <summary>PG_table: the frame holds a level of a page table (<see cref="Mm.PageTables.PageTable"/>); never on an LRU, never mapped.</summary>
    PageTable = 1 << 15,
}
