using Madvise.Kernel.Mm.Locking;

namespace Madvise.Kernel.Mm.PageTables;

/// <summary>
/// A last-level page table: 512 PTEs covering 2 MiB, with its own lock (Linux's split
/// page-table lock, <c>pte_lockptr()</c>) — and the PMD entry that points to it, which may
/// instead map the whole 2 MiB with one huge entry (a transparent huge page).
/// </summary>
/// <remarks>
/// <para><see cref="Ptl"/> protects <see cref="Entries"/>, <see cref="Used"/>,
/// <see cref="Populated"/> and <see cref="Huge"/>. Lock order: taken under the mmap_lock (or a
/// VMA lock); frame, LRU, swap and TLB locks may be taken inside it. Two PTE tables are locked
/// at once only by fork, which holds a table of the brand-new child (visible to no other
/// thread) inside the parent's.</para>
/// <para>The PMD entry. Once attached, a table stays in its PMD slot until munmap or exit
/// detaches it (<see cref="PageTable.FreeEmptyTables"/>), so the slot's three Linux states are
/// states of this object, changed under <see cref="Ptl"/>, and a walker that found the table
/// keeps a valid object whatever happens to the PMD:</para>
/// <list type="bullet">
/// <item>pmd_none(): no table in the slot, or <see cref="Huge"/> none and <see cref="Populated"/>
/// false — the table never held an entry since it was attached, or Linux would have freed it
/// (a huge entry zapped or, for a file, split away; an empty table reclaimed after a whole-block
/// MADV_DONTNEED, CONFIG_PT_RECLAIM);</item>
/// <item>a page table: <see cref="Huge"/> none, <see cref="Populated"/> true;</item>
/// <item>a huge entry (pmd_trans_huge()): <see cref="Huge"/> set; <see cref="Entries"/> are all
/// empty and stand for the page table Linux deposits with every huge entry
/// (pgtable_trans_huge_deposit()) so that splitting it never has to allocate.</item>
/// </list>
/// <para><see cref="Ptl"/> is therefore also the PMD lock (pmd_lock()) of its 2 MiB: finer than
/// Linux's split PMD lock (one per PMD page, 1 GiB), protecting the same thing — the entry and
/// every change between the three states. Every walker takes it before it reads either the
/// entries or the huge entry, and re-reads what a lockless look found.</para>
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
    /// matters (fault-around, huge faults, MADV_COLLAPSE); cleared again where Linux frees the
    /// table but the model keeps the object (see the class remarks). Protected by <see cref="Ptl"/>.
    /// </summary>
    public bool Populated;

    /// <summary>The huge PMD entry (<see cref="Pmd"/>) while the 2 MiB is mapped by one; 0 otherwise. Protected by <see cref="Ptl"/>.</summary>
    public ulong Huge;

    /// <summary>True when the PMD is empty (pmd_none()): no huge entry and no page table. Precondition: <see cref="Ptl"/> is held.</summary>
    public bool IsPmdNone => Huge == 0 && !Populated;

    /// <summary>Reads the huge entry. Precondition: <see cref="Ptl"/> is held.</summary>
    public Pmd GetHuge() => new(Huge);

    /// <summary>Reads the huge entry without the lock (Linux: pmdp_get_lockless()); re-read it under <see cref="Ptl"/> before acting.</summary>
    public Pmd PeekHuge() => new(Volatile.Read(ref Huge));

    /// <summary>
    /// Installs, changes or clears the huge entry. Precondition: <see cref="Ptl"/> is held and, to
    /// install one, every entry is empty. Clearing one leaves the PMD empty: the caller sets
    /// <see cref="Populated"/> when it fills the entries (a split) instead.
    /// </summary>
    public void SetHuge(Pmd value)
    {
        if (value.Raw != 0 && Used != 0)
        {
            throw new InvalidOperationException($"huge entry {value} installed over a page table holding {Used} entries");
        }

        Volatile.Write(ref Huge, value.Raw);
        if (value.Raw != 0)
        {
            Populated = false;
        }
    }

    /// <summary>Sets entry <paramref name="index"/>, keeping <see cref="Used"/> exact. Precondition: <see cref="Ptl"/> is held and the PMD is not a huge entry.</summary>
    public void Set(int index, Pte value)
    {
        if (Huge != 0)
        {
            throw new InvalidOperationException($"PTE {value} written into a table mapped by the huge entry {new Pmd(Huge)}");
        }

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

    /// <summary>
    /// True when entry <paramref name="index"/> may be filled: it is empty and the PMD is not a
    /// huge entry (a racing huge fault or collapse may have made it one since a lockless look).
    /// Precondition: <see cref="Ptl"/> is held.
    /// </summary>
    public bool EntryFree(int index) => Huge == 0 && Entries[index] == 0;

    /// <summary>Reads entry <paramref name="index"/>. Precondition: <see cref="Ptl"/> is held.</summary>
    public Pte Get(int index) => new(Entries[index]);

    /// <summary>
    /// Reads entry <paramref name="index"/> without the lock (Linux: <c>ptep_get_lockless()</c>), as
    /// the hardware walker and the fault handler's first look do. The value is whole (64-bit
    /// stores are atomic) but may be stale: act on it only after re-reading it under <see cref="Ptl"/>.
    /// </summary>
    public Pte Peek(int index) => new(Volatile.Read(ref Entries[index]));
}
