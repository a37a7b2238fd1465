using System.Runtime.InteropServices;

namespace Madvise.Kernel.Mm.Physical;

/// <summary>
/// Metadata of one physical page frame (Linux: <c>struct page</c> / a single-page <c>struct folio</c>).
/// </summary>
/// <remarks>
/// Frames live in <see cref="PhysicalMemory"/>'s chunked arrays and are addressed by page frame
/// number (pfn). Counts and flags are updated with <see cref="Interlocked"/> because a frame can
/// be mapped by several address spaces (copy-on-write after fork, shared file pages) whose
/// page-table locks are independent. LRU links and the mlock count are protected by
/// <see cref="Lru"/>'s lock. 48 bytes per frame (the batch count fills the padding before Index): with the 8-byte PTE this is the model's
/// per-page metadata.
/// </remarks>
[StructLayout(LayoutKind.Sequential)]
internal struct PageFrame
{
    /// <summary>References: one per mapping PTE, one for the page cache / swap cache, transient pins.</summary>
    public int RefCount;

    /// <summary>Number of PTEs that map this frame (Linux: <c>_mapcount + 1</c>).</summary>
    public int MapCount;

    /// <summary>State bits; see <see cref="PageFlags"/>.</summary>
    public int Flags;

    /// <summary>Previous frame on the same LRU list, or -1. Protected by the LRU lock.</summary>
    public int LruPrev;

    /// <summary>Next frame on the same LRU list, or -1. Protected by the LRU lock.</summary>
    public int LruNext;

    /// <summary>Swap slot this frame caches while <see cref="PageFlags.SwapCache"/> is set; else -1.</summary>
    public int SwapSlot;

    /// <summary>PTEs of VM_LOCKED VMAs that map this frame (Linux: folio->mlock_count); <see cref="PageFlags.Mlocked"/> is set exactly while it is not 0. Protected by the LRU lock.</summary>
    public int MlockCount;

    /// <summary>
    /// References held by per-CPU folio batches (<see cref="Reclaim.LruBatches"/>), included in
    /// <see cref="RefCount"/>: what the model subtracts to tell a page only its mapping uses from
    /// one another user shares (the exclusivity test of a pinning read). Atomic.
    /// </summary>
    public int BatchRefs;

    /// <summary>Anonymous: the virtual page number it was first mapped at; page cache: the page index in the file.</summary>
    public ulong Index;

    /// <summary>The owner for reverse mapping: an <see cref="AnonVma"/> for anonymous pages, a <see cref="Fs.PageCache"/> for file pages.</summary>
    public object? Mapping;

    /// <summary>True when <paramref name="flag"/> is set.</summary>
    public bool Has(PageFlags flag) => (Volatile.Read(ref Flags) & (int)flag) != 0;
}
