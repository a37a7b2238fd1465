using System.Runtime.CompilerServices;
using Madvise.Kernel.Mm.Physical;

namespace Madvise.Kernel.Mm.PageTables;

/// <summary>
/// A four-level radix page table for a 48-bit address space (x86-64: PGD, PUD, PMD, PTE;
/// 9 bits per level, 4 KiB pages), every level of which lives in frames of simulated memory.
/// </summary>
/// <remarks>
/// <para><b>Memory.</b> Each table, of every level, is one frame taken from
/// <see cref="PhysicalMemory"/> (Linux: pte_alloc_one(), pmd_alloc_one(), ... with
/// GFP_PGTABLE_USER), zeroed, flagged <see cref="PageFlags.PageTable"/>: page tables are charged
/// to the simulated RAM like any page, so a process that makes the kernel build tables over a
/// huge range runs the machine out of memory, not the host. An upper-level entry is the next
/// table's pfn shifted left by 12 with bit 0 set (present); a PMD entry may instead be a huge
/// <see cref="Pmd"/> mapping 2 MiB, behind which the PTE table stays deposited (see
/// <see cref="PteTable"/>). A PTE table's entries are <see cref="Pte"/> values, and its frame's
/// metadata points to its <see cref="PteTable"/> descriptor (lock and counts); a PMD table's
/// frame's metadata points to its <see cref="PmdTable"/> (the deposited tables). The top level
/// (PGD) is allocated with the first table below it.
/// <see cref="AllocTable"/> and <see cref="FreeTable"/> are the only places a table frame is
/// taken or given back. When no frame is free, <see cref="LookupOrCreate"/> returns null and the
/// caller fails as Linux does when __pte_alloc() fails: a fault with VM_FAULT_OOM
/// (<see cref="FaultResult.Oom"/>), a page walk with -ENOMEM, fork with -ENOMEM. The model has no
/// OOM killer: the caller sees the error Linux reports when the allocation fails.</para>
/// <para><b>Concurrency.</b> Empty slots are filled once with a compare-and-swap, so walkers never
/// lock the upper levels. Last-level <see cref="PteTable"/>s carry the split page-table locks.
/// Tables are taken out (<see cref="FreeEmptyTables"/>) only under the mmap write lock and only
/// where no VMA lies in the whole span a table maps, so a walker that holds the mmap lock for
/// reading, or a VMA lock on a VMA in the table's span, never meets a freed table. The one kind of
/// walker that holds neither is the reverse map (reclaim, hole punch, memory failure): it walks
/// with <see cref="LookupUnlocked"/>, which checks every pfn it follows, and before it touches an
/// entry it checks under the PTE lock that the table it reached is still the live table of that
/// address (<see cref="PteTable.IsLiveFor"/>): a table is marked detached under its lock before
/// its frame is freed, so a walker that raced with the free finds out before it reads anything
/// the frame may now hold.</para>
/// </remarks>
internal sealed unsafe class PageTable
{
    private const int Bits = 9;
    private const int Fanout = 1 << Bits;
    private const int PageShift = 12;

    /// <summary>Bit 0 of an upper-level entry: the next table is present.</summary>
    private const ulong Present = 1;

    /// <summary>The shift of a PMD entry's span (2 MiB).</summary>
    private const int PmdShift = 21;

    /// <summary>Where the page tables' frames come from.</summary>
    private readonly PhysicalMemory _memory;

    /// <summary>Pfn of the top level (PGD); -1 until the first table is created and after the last goes. Changed by compare-and-swap, or under the mmap write lock.</summary>
    private int _pgd = -1;

    /// <summary>Number of PTE tables currently attached (statistics and invariants).</summary>
    private long _pteTables;

    /// <summary>Number of table frames of every level held (statistics and invariants).</summary>
    private long _tableFrames;

    /// <summary>Creates an empty page table whose tables will come from <paramref name="memory"/>.</summary>
    public PageTable(PhysicalMemory memory) => _memory = memory;

    /// <summary>Number of PTE tables currently attached.</summary>
    public long PteTableCount => Interlocked.Read(ref _pteTables);

    /// <summary>Number of frames the page table holds, all levels (Linux: mm_pgtables_bytes / 4096).</summary>
    public long TableFrames => Interlocked.Read(ref _tableFrames);

    /// <summary>Index of <paramref name="addr"/> inside its PTE table.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int PteIndex(ulong addr) => (int)((addr >> PageShift) & (Fanout - 1));

    /// <summary>Bytes that one PTE table maps (2 MiB: 512 entries of 4 KiB).</summary>
    public const ulong PteTableSpan = 1UL << (PageShift + Bits);

    /// <summary>
    /// pmd_addr_end(): the end of the PTE table that maps <paramref name="addr"/>, or
    /// <paramref name="end"/> if that comes first — the next stop of a walk over [addr, end)
    /// that visits one table (and takes its lock) at a time. Addresses are user addresses
    /// (below 2^47), so the boundary cannot wrap.
    /// </summary>
    /// <remarks>
    /// Why each range walk (zap, COLD/PAGEOUT, FREE, guard markers, mprotect, mlock, smaps,
    /// mincore, access) steps with this helper and its own loop instead of a shared walker
    /// (a visitor, or an allocation-free ref struct yielding locked tables): what a walk does
    /// at the PMD level differs from walk to walk — with huge pages, zap removes a whole huge
    /// entry or splits it, COLD and PAGEOUT split the folio, mprotect rewrites the huge entry,
    /// smaps counts it, guard install splits, mincore reads it without the lock — and so do
    /// the lock it holds (the PTE lock, or none) and when it drops it to retry (guard markers,
    /// COLD's batch flush). A walker that yields (table, index range) would have to take
    /// every one of those decisions as parameters, and each caller's per-entry loop, the code a
    /// reader compares with Linux's, would move away from its PMD handling. Linux keeps them
    /// apart too (zap_pmd_range, madvise_cold_or_pageout_pte_range, ...; walk_page_range's
    /// callbacks serve only some of them). What is really shared — the boundary arithmetic and
    /// the lookup of a table — is this method and <see cref="Lookup"/>.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong PmdAddrEnd(ulong addr, ulong end) => Math.Min((addr | (PteTableSpan - 1)) + 1, end);

    /// <summary>
    /// The PTE mapping <paramref name="addr"/>, read under its table's lock (<see cref="Pte.None"/>
    /// when no table covers it): a one-address walk for callers that look before they act, as
    /// Linux's WILLNEED swap-in and memory-failure lookup do. Under a huge entry, the PTE a split
    /// would give that page: its frame with the entry's bits (the zero page for the huge zero page).
    /// </summary>
    /// <remarks>Precondition: the mmap_lock is held (the table cannot be freed).</remarks>
    public Pte ReadPte(ulong addr)
    {
        var table = Lookup(addr);
        if (table is null)
        {
            return Pte.None;
        }

        using (table.Ptl.EnterScope())
        {
            var pmd = table.GetHuge();
            if (pmd.IsPresent)
            {
                return pmd.IsHugeZero ? Pte.Make(PhysicalMemory.ZeroPfn, writable: false, dirty: false, young: pmd.Young)
                    : Pte.Make(pmd.Pfn + PteIndex(addr), pmd.Writable, pmd.Dirty, pmd.Young);
            }

            return table.Get(PteIndex(addr));
        }
    }

    /// <summary>Finds the PTE table covering <paramref name="addr"/>, or null when none exists.</summary>
    /// <remarks>Precondition: the mmap_lock, or the lock of a VMA containing <paramref name="addr"/>, is held.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public PteTable? Lookup(ulong addr)
    {
        var pgd = Volatile.Read(ref _pgd);
        if (pgd < 0)
        {
            return null;
        }

        var e = Volatile.Read(ref Slot(pgd, (int)((addr >> 39) & (Fanout - 1))));
        if (e == 0)
        {
            return null;
        }

        e = Volatile.Read(ref Slot(NextPfn(e), (int)((addr >> 30) & (Fanout - 1))));
        if (e == 0)
        {
            return null;
        }

        var pmd = NextPfn(e);
        e = Volatile.Read(ref Slot(pmd, (int)((addr >> PmdShift) & (Fanout - 1))));
        return e == 0 ? null : TableAt(pmd, e, addr);
    }

    /// <summary>True when a page-middle directory covers <paramref name="addr"/> (mm_find_pmd() finds one), whether or not its entry there is empty.</summary>
    /// <remarks>Precondition: as <see cref="Lookup"/>.</remarks>
    public bool HasPmdLevel(ulong addr)
    {
        var pgd = Volatile.Read(ref _pgd);
        if (pgd < 0)
        {
            return false;
        }

        var e = Volatile.Read(ref Slot(pgd, (int)((addr >> 39) & (Fanout - 1))));
        return e != 0 && Volatile.Read(ref Slot(NextPfn(e), (int)((addr >> 30) & (Fanout - 1)))) != 0;
    }

    /// <summary>
    /// The PTE table of the non-empty PMD entry <paramref name="e"/> of PMD table <paramref name="pmdPfn"/>
    /// that maps <paramref name="addr"/>: the table the entry points to, or the one deposited
    /// under a huge entry.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private PteTable TableAt(int pmdPfn, ulong e, ulong addr) =>
        Pmd.IsHugeEntry(e)
            ? Unsafe.As<PmdTable>(_memory.Frame(pmdPfn).Mapping)!.Deposited(addr)!
            : Unsafe.As<PteTable>(_memory.Frame(NextPfn(e)).Mapping)!;

    /// <summary>A PMD entry that points to the PTE table in frame <paramref name="pfn"/>.</summary>
    internal static ulong TableEntry(int pfn) => ((ulong)pfn << PageShift) | Present;

    /// <summary>
    /// The first address of [<paramref name="addr"/>, <paramref name="end"/>) that a PTE table
    /// maps, or <paramref name="end"/>: where a walk that found no table goes on, skipping whole
    /// empty upper-level entries (512 GiB, 1 GiB, 2 MiB at a time) as Linux's pgd/pud/pmd walks
    /// skip none entries. A walk over a huge sparse range costs the tables it meets, not its length.
    /// </summary>
    /// <remarks>Precondition: as <see cref="Lookup"/>.</remarks>
    public ulong NextTable(ulong addr, ulong end)
    {
        var pgd = Volatile.Read(ref _pgd);
        while (addr < end && pgd >= 0)
        {
            var e = Volatile.Read(ref Slot(pgd, (int)((addr >> 39) & (Fanout - 1))));
            if (e == 0)
            {
                addr = NextBoundary(addr, 39);
                continue;
            }

            e = Volatile.Read(ref Slot(NextPfn(e), (int)((addr >> 30) & (Fanout - 1))));
            if (e == 0)
            {
                addr = NextBoundary(addr, 30);
                continue;
            }

            e = Volatile.Read(ref Slot(NextPfn(e), (int)((addr >> 21) & (Fanout - 1))));
            if (e == 0)
            {
                addr = NextBoundary(addr, 21);
                continue;
            }

            return addr;
        }

        return end;
    }

    /// <summary>The first address above <paramref name="a"/> aligned to 2^<paramref name="shift"/>; ulong.MaxValue past the top.</summary>
    private static ulong NextBoundary(ulong a, int shift)
    {
        var next = (a | ((1UL << shift) - 1)) + 1;
        return next > a ? next : ulong.MaxValue;
    }

    /// <summary>
    /// Finds the PTE table covering <paramref name="addr"/> with no lock that keeps it from being
    /// freed (the reverse map). Every pfn followed is checked to be a frame that exists, so a walk
    /// through a table freed and reused meanwhile reads only simulated memory; the table returned
    /// may be stale: the caller checks <see cref="PteTable.IsLiveFor"/> under its lock.
    /// </summary>
    public PteTable? LookupUnlocked(ulong addr)
    {
        var pfn = Volatile.Read(ref _pgd);
        for (var shift = 39; shift >= PmdShift; shift -= Bits)
        {
            if (!IsFrame(pfn))
            {
                return null;
            }

            var e = Volatile.Read(ref Slot(pfn, (int)((addr >> shift) & (Fanout - 1))));
            if ((e & Present) == 0)
            {
                return null;
            }

            if (shift == PmdShift && Pmd.IsHugeEntry(e))
            {
                return (Volatile.Read(ref _memory.Frame(pfn).Mapping) as PmdTable)?.Deposited(addr);
            }

            pfn = (int)Math.Min(e >> PageShift, int.MaxValue);
        }

        return IsFrame(pfn) ? Volatile.Read(ref _memory.Frame(pfn).Mapping) as PteTable : null;
    }

    /// <summary>
    /// Finds or creates the PTE table covering <paramref name="addr"/>, and the upper levels above
    /// it (Linux: pte_alloc() and its pmd/pud/p4d allocations).
    /// </summary>
    /// <returns>The table, or null when no frame is free for a level that must be created.</returns>
    /// <remarks>Precondition: the mmap_lock (or the VMA lock of a VMA containing <paramref name="addr"/>) is held.</remarks>
    public PteTable? LookupOrCreate(ulong addr)
    {
        var pgd = Volatile.Read(ref _pgd);
        if (pgd < 0)
        {
            var created = AllocTable();
            if (created < 0)
            {
                return null;
            }

            pgd = Interlocked.CompareExchange(ref _pgd, created, -1);
            if (pgd < 0)
            {
                pgd = created;
            }
            else
            {
                FreeTable(created);
            }
        }

        var pud = Level(pgd, (int)((addr >> 39) & (Fanout - 1)), pmdLevel: false);
        var pmd = pud < 0 ? -1 : Level(pud, (int)((addr >> 30) & (Fanout - 1)), pmdLevel: true);
        if (pmd < 0)
        {
            return null;
        }

        ref var slot = ref Slot(pmd, (int)((addr >> PmdShift) & (Fanout - 1)));
        var e = Volatile.Read(ref slot);
        if (e != 0)
        {
            return TableAt(pmd, e, addr);
        }

        var pfn = AllocTable();
        if (pfn < 0)
        {
            return null;
        }

        var pmdTable = Unsafe.As<PmdTable>(_memory.Frame(pmd).Mapping)!;
        var table = new PteTable(this, addr & ~(PteTableSpan - 1), pfn, (ulong*)_memory.Data(pfn), pmdTable, (ulong*)Unsafe.AsPointer(ref slot));
        Volatile.Write(ref _memory.Frame(pfn).Mapping, table);
        var raced = Interlocked.CompareExchange(ref slot, TableEntry(pfn), 0);
        if (raced == 0)
        {
            Interlocked.Increment(ref _pteTables);
            return table;
        }

        FreeTable(pfn);
        return TableAt(pmd, raced, addr);
    }

    /// <summary>
    /// The table below entry <paramref name="index"/> of table <paramref name="parent"/>, created when
    /// absent (with its <see cref="PmdTable"/> descriptor when it is a PMD table); -1 when no frame is free.
    /// </summary>
    private int Level(int parent, int index, bool pmdLevel)
    {
        ref var slot = ref Slot(parent, index);
        var e = Volatile.Read(ref slot);
        if (e != 0)
        {
            return NextPfn(e);
        }

        var created = AllocTable();
        if (created < 0)
        {
            return -1;
        }

        if (pmdLevel)
        {
            Volatile.Write(ref _memory.Frame(created).Mapping, new PmdTable());
        }

        var raced = Interlocked.CompareExchange(ref slot, ((ulong)created << PageShift) | Present, 0);
        if (raced == 0)
        {
            return created;
        }

        FreeTable(created);
        return NextPfn(raced);
    }

    /// <summary>
    /// Takes a zeroed frame for a table of any level: the one place page tables are charged to
    /// memory. -1 when none is free.
    /// </summary>
    private int AllocTable()
    {
        var pfn = _memory.Allocate(zero: true);
        if (pfn < 0)
        {
            return -1;
        }

        _memory.Frame(pfn).Flags = (int)PageFlags.PageTable;
        Interlocked.Increment(ref _tableFrames);
        _memory.CountPageTableFrames(1);
        return pfn;
    }

    /// <summary>Gives a table frame back: the one place page tables are uncharged. Precondition: no entry of the parent points to it.</summary>
    private void FreeTable(int pfn)
    {
        ref var frame = ref _memory.Frame(pfn);
        Volatile.Write(ref frame.Mapping, null);
        frame.Flags = 0;
        Interlocked.Decrement(ref _tableFrames);
        _memory.CountPageTableFrames(-1);
        _memory.Put(pfn);
    }

    /// <summary>
    /// Frees the tables, of every level, that lie entirely inside [<paramref name="floor"/>,
    /// <paramref name="ceiling"/>) and overlap [<paramref name="start"/>, <paramref name="end"/>)
    /// (Linux: free_pgd_range() with floor and ceiling); the top level goes too when the range
    /// is the whole address space and nothing is left below it.
    /// </summary>
    /// <remarks>Precondition: the mmap write lock is held and no VMA lies in [floor, ceiling).
    /// Every entry of a freed PTE table must already be empty.</remarks>
    public void FreeEmptyTables(ulong start, ulong end, ulong floor, ulong ceiling)
    {
        var pgd = Volatile.Read(ref _pgd);
        if (pgd < 0)
        {
            return;
        }

        FreeBelow(pgd, 0, 39, start, end, floor, ceiling);
        if (floor == 0 && ceiling == ulong.MaxValue && IsEmpty(pgd))
        {
            Volatile.Write(ref _pgd, -1);
            FreeTable(pgd);
        }
    }

    /// <summary>
    /// Frees below table <paramref name="tablePfn"/>, which maps from <paramref name="tableBase"/>
    /// with entries of 2^<paramref name="shift"/> bytes, what <see cref="FreeEmptyTables"/> may free.
    /// </summary>
    private void FreeBelow(int tablePfn, ulong tableBase, int shift, ulong start, ulong end, ulong floor, ulong ceiling)
    {
        var span = 1UL << shift;
        var tableEnd = tableBase + (span << Bits);
        var first = Math.Max(start, tableBase) & ~(span - 1);
        for (var a = first; a < end && a < tableEnd; a += span)
        {
            ref var slot = ref Slot(tablePfn, (int)((a - tableBase) >> shift));
            var e = Volatile.Read(ref slot);
            if (e == 0)
            {
                continue;
            }

            var inside = a >= floor && a + span <= ceiling;
            if (shift == PmdShift)
            {
                if (!inside)
                {
                    continue;
                }

                var table = TableAt(tablePfn, e, a);
                using (table.Ptl.EnterScope())
                {
                    if (table.Used != 0 || table.Huge != 0)
                    {
                        throw new InvalidOperationException($"PTE table at {a:x} freed with {table.Used} entries in use (huge entry {new Pmd(table.Huge)})");
                    }

                    table.Detached = true;
                }

                Volatile.Write(ref slot, 0);
                Unsafe.As<PmdTable>(_memory.Frame(tablePfn).Mapping)!.Withdraw(a);
                Interlocked.Decrement(ref _pteTables);
                FreeTable(table.Pfn);
                continue;
            }

            var child = NextPfn(e);

            FreeBelow(child, a, shift - Bits, start, end, floor, ceiling);
            if (inside && IsEmpty(child))
            {
                Volatile.Write(ref slot, 0);
                FreeTable(child);
            }
        }
    }

    /// <summary>Calls <paramref name="visit"/> for every attached PTE table in address order, deposited ones included (tests, invariants, teardown).</summary>
    public void ForEachTable(Action<ulong, PteTable> visit) =>
        ForEachFrame((addr, shift, pfn) =>
        {
            if (shift == PmdShift)
            {
                visit(addr, Unsafe.As<PteTable>(_memory.Frame(pfn).Mapping)!);
            }
        });

    /// <summary>
    /// Calls <paramref name="visit"/> for every table frame, top level first: the address it starts
    /// mapping at, the shift of the entry that points to it (48 for the top level, then 39, 30,
    /// and 21 for PTE tables, deposited under a huge entry or not) and its pfn (audits).
    /// </summary>
    public void ForEachFrame(Action<ulong, int, int> visit)
    {
        var pgd = Volatile.Read(ref _pgd);
        if (pgd >= 0)
        {
            visit(0, 48, pgd);
            Walk(pgd, 0, 39, visit);
        }
    }

    private void Walk(int tablePfn, ulong tableBase, int shift, Action<ulong, int, int> visit)
    {
        for (var i = 0; i < Fanout; i++)
        {
            var e = Volatile.Read(ref Slot(tablePfn, i));
            if (e == 0)
            {
                continue;
            }

            var addr = tableBase + ((ulong)i << shift);
            if (shift == PmdShift)
            {
                visit(addr, shift, TableAt(tablePfn, e, addr).Pfn);
                continue;
            }

            visit(addr, shift, NextPfn(e));
            Walk(NextPfn(e), addr, shift - Bits, visit);
        }
    }

    /// <summary>True when every entry of table <paramref name="pfn"/> is empty.</summary>
    private bool IsEmpty(int pfn) => new ReadOnlySpan<ulong>(_memory.Data(pfn), Fanout).IndexOfAnyExcept(0UL) < 0;

    /// <summary>Entry <paramref name="index"/> of table <paramref name="pfn"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref ulong Slot(int pfn, int index) => ref ((ulong*)_memory.Data(pfn))[index];

    /// <summary>The pfn an upper-level entry points to.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int NextPfn(ulong entry) => (int)(entry >> PageShift);

    /// <summary>True when <paramref name="pfn"/> names a frame that exists (a check for walks that may read freed tables).</summary>
    private bool IsFrame(int pfn) => pfn > 0 && pfn < _memory.CreatedFramesLockFree;
}
