using Madvise.Kernel.Mm.Locking;

namespace Madvise.Kernel.Mm.PageTables;

/// <summary>
/// A last-level page table (Linux: a PTE page and its <c>struct ptdesc</c>): 512 PTEs covering
/// 2 MiB, stored in a frame of simulated memory, with its own lock (Linux's split page-table
/// lock, <c>pte_lockptr()</c>).
/// </summary>
/// <remarks>
/// <para>The entries are the 4 KiB of data of frame <see cref="Pfn"/>, which <see cref="PageTable"/>
/// allocated from <see cref="Physical.PhysicalMemory"/> (charged like any page); this object is the
/// frame's descriptor (the frame's metadata points to it) and holds what Linux keeps in the
/// ptdesc: the lock and the counts.</para>
/// <para><see cref="Ptl"/> protects the entries, <see cref="Used"/>, <see cref="Populated"/> and
/// <see cref="Detached"/>. Lock order: taken under the mmap_lock (or a VMA lock); frame, LRU,
/// swap and TLB locks may be taken inside it. Two PTE tables are locked at once only by fork,
/// which holds a table of the brand-new child (visible to no other thread) inside the parent's.</para>
/// </remarks>
internal sealed unsafe class PteTable
{
    /// <summary>Entries per table.</summary>
    public const int EntryCount = 512;

    /// <summary>The page-table lock (PTL): a <see cref="Spinlock"/>, as Linux's split PTE lock is a spinlock; protects the entries, <see cref="Used"/>, <see cref="Populated"/> and <see cref="Detached"/>. Lock order (<see cref="LockClass.PteLock"/>): under the mmap_lock, a VMA lock or the page cache lock, above the leaves; two nest only in fork (<see cref="Spinlock.EnterNestedScope"/>).</summary>
    public readonly Spinlock Ptl = new(LockClass.PteLock);

    /// <summary>The 512 entries: the data of frame <see cref="Pfn"/>. Protected by <see cref="Ptl"/>.</summary>
    private readonly ulong* _entries;

    /// <summary>Number of non-empty entries. Protected by <see cref="Ptl"/>.</summary>
    public int Used;

    /// <summary>
    /// Set when an entry is installed for the first time. Linux allocates a PTE table only to
    /// install an entry (a failed fault leaves none), while this model creates one at the start
    /// of every fault, so a table that never held an entry stands for "no table" where that
    /// matters (fault-around). Protected by <see cref="Ptl"/>.
    /// </summary>
    public bool Populated;

    /// <summary>
    /// Set, under <see cref="Ptl"/>, when the table is taken out of its page table and its frame
    /// freed (<see cref="PageTable.FreeEmptyTables"/>). A walker that found the table without the
    /// mmap_lock (reverse mapping) checks it under the lock before it touches an entry, because
    /// the frame may hold anything by then (<see cref="IsLiveFor"/>).
    /// </summary>
    public bool Detached;

    internal PteTable(PageTable owner, ulong baseAddress, int pfn, ulong* entries)
    {
        Owner = owner;
        Base = baseAddress;
        Pfn = pfn;
        _entries = entries;
    }

    /// <summary>The page table this table belongs to.</summary>
    public PageTable Owner { get; }

    /// <summary>The first address the table maps (2 MiB-aligned).</summary>
    public ulong Base { get; }

    /// <summary>The frame holding the entries.</summary>
    public int Pfn { get; }

    /// <summary>
    /// True when this is, still, the table of <paramref name="owner"/> that maps
    /// <paramref name="addr"/>. Precondition: <see cref="Ptl"/> is held.
    /// </summary>
    public bool IsLiveFor(PageTable owner, ulong addr) =>
        !Detached && ReferenceEquals(owner, Owner) && (addr & ~(PageTable.PteTableSpan - 1)) == Base;

    /// <summary>Sets entry <paramref name="index"/>, keeping <see cref="Used"/> exact. Precondition: <see cref="Ptl"/> is held.</summary>
    public void Set(int index, Pte value)
    {
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

    /// <summary>Reads entry <paramref name="index"/>. Precondition: <see cref="Ptl"/> is held.</summary>
    public Pte Get(int index) => new(_entries[index]);

    /// <summary>
    /// Reads entry <paramref name="index"/> without the lock (Linux: <c>ptep_get_lockless()</c>), as
    /// the hardware walker and the fault handler's first look do. The value is whole (64-bit
    /// stores are atomic) but may be stale: act on it only after re-reading it under <see cref="Ptl"/>.
    /// </summary>
    public Pte Peek(int index) => new(Volatile.Read(ref _entries[index]));
}
