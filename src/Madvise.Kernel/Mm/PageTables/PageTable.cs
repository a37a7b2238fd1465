using System.Runtime.CompilerServices;

namespace Madvise.Kernel.Mm.PageTables;

/// <summary>
/// A four-level radix page table for a 48-bit address space (x86-64: PGD, PUD, PMD, PTE;
/// 9 bits per level, 4 KiB pages).
/// </summary>
/// <remarks>
/// <para>Upper levels are plain arrays whose slots are filled once with a compare-and-swap, so
/// walkers never lock them. Last-level <see cref="PteTable"/>s carry the split page-table
/// locks. A PTE table is detached (<see cref="FreeEmptyTables"/>) only under the mmap write
/// lock and only when the range it covers holds no VMA, so a walker that holds the mmap
/// lock for reading, or a VMA lock on a VMA inside the table's span, never sees its table
/// detached. A walker that raced with a detach keeps a reference to the old table (garbage
/// collection plays RCU's role) and finds only empty entries there.</para>
/// </remarks>
internal sealed class PageTable
{
    private const int Bits = 9;
    private const int Fanout = 1 << Bits;
    private const int PageShift = 12;

    /// <summary>Top level (PGD): 512 slots of 512 GiB each.</summary>
    private readonly object?[] _pgd = new object?[Fanout];

    /// <summary>Number of PTE tables currently attached (statistics and invariants).</summary>
    private long _pteTables;

    /// <summary>Number of PTE tables currently attached.</summary>
    public long PteTableCount => Interlocked.Read(ref _pteTables);

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
                return pmd.IsHugeZero ? Pte.Make(Physical.PhysicalMemory.ZeroPfn, writable: false, dirty: false, young: pmd.Young)
                    : Pte.Make(pmd.Pfn + PteIndex(addr), pmd.Writable, pmd.Dirty, pmd.Young);
            }

            return table.Get(PteIndex(addr));
        }
    }

    /// <summary>Finds the PTE table covering <paramref name="addr"/>, or null when none exists.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public PteTable? Lookup(ulong addr)
    {
        if (Volatile.Read(ref _pgd[(int)((addr >> 39) & (Fanout - 1))]) is not object?[] pud)
        {
            return null;
        }

        if (Volatile.Read(ref pud[(int)((addr >> 30) & (Fanout - 1))]) is not object?[] pmd)
        {
            return null;
        }

        return Volatile.Read(ref pmd[(int)((addr >> 21) & (Fanout - 1))]) as PteTable;
    }

    /// <summary>True when a page-middle directory covers <paramref name="addr"/> (mm_find_pmd() finds one), whether or not its entry there is empty.</summary>
    public bool HasPmdLevel(ulong addr) =>
        Volatile.Read(ref _pgd[(int)((addr >> 39) & (Fanout - 1))]) is object?[] pud
        && Volatile.Read(ref pud[(int)((addr >> 30) & (Fanout - 1))]) is object?[];

    /// <summary>Finds or creates the PTE table covering <paramref name="addr"/> (Linux: pte_alloc).</summary>
    public PteTable LookupOrCreate(ulong addr)
    {
        var pud = Level(_pgd, (int)((addr >> 39) & (Fanout - 1)));
        var pmd = Level(pud, (int)((addr >> 30) & (Fanout - 1)));
        ref var slot = ref pmd[(int)((addr >> 21) & (Fanout - 1))];
        if (Volatile.Read(ref slot) is PteTable existing)
        {
            return existing;
        }

        var created = new PteTable();
        var raced = Interlocked.CompareExchange(ref slot, created, null);
        if (raced is null)
        {
            Interlocked.Increment(ref _pteTables);
            return created;
        }

        return (PteTable)raced;
    }

    private static object?[] Level(object?[] parent, int index)
    {
        ref var slot = ref parent[index];
        if (Volatile.Read(ref slot) is object?[] existing)
        {
            return existing;
        }

        var created = new object?[Fanout];
        return (object?[])(Interlocked.CompareExchange(ref slot, created, null) ?? created);
    }

    /// <summary>
    /// Detaches the PTE tables that lie entirely inside [<paramref name="floor"/>, <paramref name="ceiling"/>)
    /// and overlap [<paramref name="start"/>, <paramref name="end"/>) (Linux: free_pgtables with floor/ceiling).
    /// </summary>
    /// <remarks>Precondition: the mmap write lock is held and no VMA lies in [floor, ceiling).
    /// Every entry of a detached table must already be empty.</remarks>
    public void FreeEmptyTables(ulong start, ulong end, ulong floor, ulong ceiling)
    {
        const ulong span = PteTableSpan;

        // Missing upper levels are skipped whole: exit and large munmaps cover up to 2^47 bytes,
        // 2^26 PTE-table spans, of which a process populates a handful.
        var a = start & ~(span - 1);
        while (a < end)
        {
            if (Volatile.Read(ref _pgd[(int)((a >> 39) & (Fanout - 1))]) is not object?[] pud)
            {
                a = NextBoundary(a, 39);
                continue;
            }

            if (Volatile.Read(ref pud[(int)((a >> 30) & (Fanout - 1))]) is not object?[] pmd)
            {
                a = NextBoundary(a, 30);
                continue;
            }

            ref var slot = ref pmd[(int)((a >> 21) & (Fanout - 1))];
            if (a >= floor && a + span <= ceiling && a + span > a && Volatile.Read(ref slot) is PteTable table)
            {
                using (table.Ptl.EnterScope())
                {
                    if (table.Used != 0 || table.Huge != 0)
                    {
                        throw new InvalidOperationException($"PTE table at {a:x} freed with {table.Used} entries in use (huge entry {new Pmd(table.Huge)})");
                    }
                }

                Volatile.Write(ref slot, null);
                Interlocked.Decrement(ref _pteTables);
            }

            a = NextBoundary(a, 21);
        }
    }

    /// <summary>The first address above <paramref name="a"/> aligned to 2^<paramref name="shift"/>; ulong.MaxValue past the top.</summary>
    private static ulong NextBoundary(ulong a, int shift)
    {
        var next = (a | ((1UL << shift) - 1)) + 1;
        return next > a ? next : ulong.MaxValue;
    }

    /// <summary>Calls <paramref name="visit"/> for every attached PTE table in address order (tests, invariants, teardown).</summary>
    public void ForEachTable(Action<ulong, PteTable> visit)
    {
        for (var i = 0; i < Fanout; i++)
        {
            if (Volatile.Read(ref _pgd[i]) is not object?[] pud)
            {
                continue;
            }

            for (var j = 0; j < Fanout; j++)
            {
                if (Volatile.Read(ref pud[j]) is not object?[] pmd)
                {
                    continue;
                }

                for (var k = 0; k < Fanout; k++)
                {
                    if (Volatile.Read(ref pmd[k]) is PteTable t)
                    {
                        visit(((ulong)i << 39) | ((ulong)j << 30) | ((ulong)k << 21), t);
                    }
                }
            }
        }
    }
}
