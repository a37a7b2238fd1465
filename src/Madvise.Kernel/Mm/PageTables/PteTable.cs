using Madvise.Kernel.Mm.Locking;

namespace Madvise.Kernel.Mm.PageTables;

/// <summary>
/// A last-level page table (Linux: a PTE page and its <c>struct ptdesc</c>): 512 PTEs covering
/// 2 MiB, stored in a frame of simulated memory, with its own lock (Linux's split page-table
/// lock, <c>pte_lockptr()</c>) — and the PMD entry that points to it, which may instead map the
/// whole 2 MiB with one huge entry (a transparent huge page).
/// </summary>
/// <remarks>
/// <para>The entries are the 4 KiB of data of frame <see cref="Pfn"/>, which <see cref="PageTable"/>
/// allocated from <see cref="Physical.PhysicalMemory"/> (charged like any page); this object is the
/// frame's descriptor (the frame's metadata points to it) and holds what Linux keeps in the
/// ptdesc: the lock and the counts.</para>
/// <para><see cref="Ptl"/> protects the entries, <see cref="Used"/>, <see cref="Populated"/>,
/// <see cref="Detached"/> and the PMD entry of its 2 MiB. Lock order: taken under the mmap_lock
/// (or a VMA lock); frame, LRU, swap and TLB locks may be taken inside it. Two PTE tables are
/// locked at once only by fork, which holds a table of the brand-new child (visible to no other
/// thread) inside the parent's.</para>
/// <para>The PMD entry lives in the PMD table's frame (<see cref="PmdTable"/>): it points to this
/// table, or is a huge entry (<see cref="Huge"/>). Once attached, a table stays with its PMD slot
/// until munmap or exit frees it (<see cref="PageTable.FreeEmptyTables"/>), so the slot's three
/// Linux states are states of this object and its entry, changed under <see cref="Ptl"/>, and a
/// walker that found the table keeps a valid object whatever happens to the PMD:</para>
/// <list type="bullet">
/// <item>pmd_none(): no table in the slot, or <see cref="Huge"/> none and <see cref="Populated"/>
/// false — the table never held an entry since it was attached, or Linux would have freed it
/// (a huge entry zapped or, for a file, split away; an empty table reclaimed after a whole-block
/// MADV_DONTNEED, CONFIG_PT_RECLAIM);</item>
/// <item>a page table: <see cref="Huge"/> none, <see cref="Populated"/> true; the PMD entry
/// points to frame <see cref="Pfn"/>;</item>
/// <item>a huge entry (pmd_trans_huge()): the PMD entry is the huge <see cref="Pmd"/>; this
/// table's entries are all empty, and its frame is the page table Linux deposits with every huge
/// entry (pgtable_trans_huge_deposit()) so that splitting it never has to allocate: charged to
/// memory as Linux charges the deposit. The PMD table's descriptor remembers which table is
/// deposited under each huge entry (<see cref="PmdTable.Deposited"/>).</item>
/// </list>
/// <para><see cref="Ptl"/> is therefore also the PMD lock (pmd_lock()) of its 2 MiB: finer than
/// Linux's split PMD lock (one per PMD page, 1 GiB), protecting the same thing — the entry and
/// every change between the three states. Every walker takes it before it reads either the
/// entries or the huge entry, and re-reads what a lockless look found.</para>
/// </remarks>
internal sealed unsafe class PteTable
{
    /// <summary>Entries per table.</summary>
    public const int EntryCount = 512;

    /// <summary>The page-table lock (PTL): a <see cref="Spinlock"/>, as Linux's split PTE lock is a spinlock; protects the entries, <see cref="Used"/>, <see cref="Populated"/>, <see cref="Detached"/> and the PMD entry. Lock order (<see cref="LockClass.PteLock"/>): under the mmap_lock, a VMA lock or the page cache lock, above the leaves; two nest only in fork (<see cref="Spinlock.EnterNestedScope"/>).</summary>
    public readonly Spinlock Ptl = new(LockClass.PteLock);

    /// <summary>The 512 entries: the data of frame <see cref="Pfn"/>. Protected by <see cref="Ptl"/>.</summary>
    private readonly ulong* _entries;

    /// <summary>The PMD entry of this table's 2 MiB, in the PMD table's frame. Written under <see cref="Ptl"/>.</summary>
    private readonly ulong* _pmdEntry;

    /// <summary>The descriptor of the PMD table that holds <see cref="_pmdEntry"/>.</summary>
    private readonly PmdTable _pmdTable;

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

    /// <summary>
    /// Set, under <see cref="Ptl"/>, when the table is taken out of its page table and its frame
    /// freed (<see cref="PageTable.FreeEmptyTables"/>). A walker that found the table without the
    /// mmap_lock (reverse mapping) checks it under the lock before it touches an entry, because
    /// the frame may hold anything by then (<see cref="IsLiveFor"/>).
    /// </summary>
    public bool Detached;

    internal PteTable(PageTable owner, ulong baseAddress, int pfn, ulong* entries, PmdTable pmdTable, ulong* pmdEntry)
    {
        Owner = owner;
        Base = baseAddress;
        Pfn = pfn;
        _entries = entries;
        _pmdTable = pmdTable;
        _pmdEntry = pmdEntry;
    }

    /// <summary>The page table this table belongs to.</summary>
    public PageTable Owner { get; }

    /// <summary>The first address the table maps (2 MiB-aligned).</summary>
    public ulong Base { get; }

    /// <summary>The frame holding the entries.</summary>
    public int Pfn { get; }

    /// <summary>
    /// The huge PMD entry (<see cref="Pmd"/>) while the 2 MiB is mapped by one; 0 otherwise (also
    /// once the table is detached). Read under <see cref="Ptl"/>, or as <see cref="PeekHuge"/>.
    /// </summary>
    public ulong Huge
    {
        get
        {
            if (Detached)
            {
                return 0;
            }

            var e = Volatile.Read(ref *_pmdEntry);
            return Pmd.IsHugeEntry(e) ? e : 0;
        }
    }

    /// <summary>True when the PMD is empty (pmd_none()): no huge entry and no page table. Precondition: <see cref="Ptl"/> is held.</summary>
    public bool IsPmdNone => Huge == 0 && !Populated;

    /// <summary>
    /// True when this is, still, the table of <paramref name="owner"/> that maps
    /// <paramref name="addr"/>. Precondition: <see cref="Ptl"/> is held.
    /// </summary>
    public bool IsLiveFor(PageTable owner, ulong addr) =>
        !Detached && ReferenceEquals(owner, Owner) && (addr & ~(PageTable.PteTableSpan - 1)) == Base;

    /// <summary>Reads the huge entry. Precondition: <see cref="Ptl"/> is held.</summary>
    public Pmd GetHuge() => new(Huge);

    /// <summary>Reads the huge entry without the lock (Linux: pmdp_get_lockless()); re-read it under <see cref="Ptl"/> before acting.</summary>
    public Pmd PeekHuge() => new(Huge);

    /// <summary>
    /// Installs, changes or clears the huge entry in the PMD table. Precondition: <see cref="Ptl"/>
    /// is held and, to install one, every entry is empty. Clearing one points the PMD back to this
    /// table, empty: the caller sets <see cref="Populated"/> when it fills the entries (a split).
    /// </summary>
    public void SetHuge(Pmd value)
    {
        if (value.Raw != 0 && Used != 0)
        {
            throw new InvalidOperationException($"huge entry {value} installed over a page table holding {Used} entries");
        }

        if (value.Raw != 0 && !Pmd.IsHugeEntry(value.Raw))
        {
            throw new InvalidOperationException($"PMD entry {value} set as huge without the huge bit");
        }

        if (value.Raw != 0)
        {
            // Deposit first: a lockless walker that reads the huge entry finds this table behind it.
            _pmdTable.Deposit(Base, this);
            Volatile.Write(ref *_pmdEntry, value.Raw);
            Populated = false;
        }
        else
        {
            Volatile.Write(ref *_pmdEntry, PageTable.TableEntry(Pfn));
        }
    }

    /// <summary>Sets entry <paramref name="index"/>, keeping <see cref="Used"/> exact. Precondition: <see cref="Ptl"/> is held and the PMD is not a huge entry.</summary>
    public void Set(int index, Pte value)
    {
        if (Huge != 0)
        {
            throw new InvalidOperationException($"PTE {value} written into a table mapped by the huge entry {new Pmd(Huge)}");
        }

        var old = _entries[index];
        if (old == 0 && value.Raw != 0)
        {
            Used++;
            Populated = true;
        }
        else if (old != 0 && value.Raw == 0)
        {
            Used--;
        }

        // One 64-bit store, as a PTE update is: a lockless reader sees the old or the new entry.
        Volatile.Write(ref _entries[index], value.Raw);
    }

    /// <summary>
    /// True when entry <paramref name="index"/> may be filled: it is empty and the PMD is not a
    /// huge entry (a racing huge fault or collapse may have made it one since a lockless look).
    /// Precondition: <see cref="Ptl"/> is held.
    /// </summary>
    public bool EntryFree(int index) => Huge == 0 && _entries[index] == 0;

    /// <summary>Reads entry <paramref name="index"/>. Precondition: <see cref="Ptl"/> is held.</summary>
    public Pte Get(int index) => new(_entries[index]);

    /// <summary>
    /// Reads entry <paramref name="index"/> without the lock (Linux: <c>ptep_get_lockless()</c>), as
    /// the hardware walker and the fault handler's first look do. The value is whole (64-bit
    /// stores are atomic) but may be stale: act on it only after re-reading it under <see cref="Ptl"/>.
    /// </summary>
    public Pte Peek(int index) => new(Volatile.Read(ref _entries[index]));
}
