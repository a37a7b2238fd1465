using Madvise.Kernel.Mm.Locking;

namespace Madvise.Kernel.Mm.PageTables;

/// <summary>
/// A last-level page table: 512 PTEs covering 2 MiB, with its own lock (Linux's split
/// page-table lock, <c>pte_lockptr()</c>).
/// </summary>
/// <remarks>
/// <see cref="Ptl"/> protects <see cref="Entries"/> and <see cref="Used"/>. Lock order: taken
/// under the mmap_lock (or a VMA lock); frame, LRU, swap and TLB locks may be taken inside it.
/// Two PTE tables are locked at once only by fork, which holds a table of the brand-new child
/// (visible to no other thread) inside the parent's.
/// </remarks>
internal sealed class PteTable
{
    /// <summary>Entries per table.</summary>
    public const int EntryCount = 512;

    /// <summary>The page-table lock (PTL): a <see cref="Spinlock"/>, as Linux's split PTE lock is a spinlock; protects <see cref="Entries"/> and <see cref="Used"/>.</summary>
    public readonly Spinlock Ptl = new();

    /// <summary>The 512 entries. Protected by <see cref="Ptl"/>.</summary>
    public readonly ulong[] Entries = new ulong[EntryCount];

    /// <summary>Number of non-empty entries. Protected by <see cref="Ptl"/>.</summary>
    public int Used;

    /// <summary>
    /// Set when an entry is installed for the first time. Linux allocates a PTE table only to
    /// install an entry (a failed fault leaves none), while this model creates one at the start
    /// of every fault, so a table that never held an entry stands for "no table" where that
    /// matters (fault-around). Protected by <see cref="Ptl"/>.
    /// </summary>
    public bool Populated;

    /// <summary>Sets entry <paramref name="index"/>, keeping <see cref="Used"/> exact. Precondition: <see cref="Ptl"/> is held.</summary>
    public void Set(int index, Pte value)
    {
        var old = Entries[index];
        if (old == 0 && value.Raw != 0)
        {
            Used++;
            Populated = true;
        }
        else if (old != 0 && value.Raw == 0)
        {
            Used--;
        }

        Entries[index] = value.Raw;
    }

    /// <summary>Reads entry <paramref name="index"/>. Precondition: <see cref="Ptl"/> is held.</summary>
    public Pte Get(int index) => new(Entries[index]);

    /// <summary>
    /// Reads entry <paramref name="index"/> without the lock (Linux: <c>ptep_get_lockless()</c>), as
    /// the hardware walker and the fault handler's first look do. The value is whole (64-bit
    /// stores are atomic) but may be stale: act on it only after re-reading it under <see cref="Ptl"/>.
    /// </summary>
    public Pte Peek(int index) => new(Volatile.Read(ref Entries[index]));
}
