using Madvise.Kernel.Mm.PageTables;
using Madvise.Kernel.Mm.Physical;

namespace Madvise.Kernel.Tests.Mm;

/// <summary>
/// The radix page table: lookups never create, creation is idempotent per 2 MiB, PTE indexes,
/// the table walk, and freeing empty tables within a floor and ceiling.
/// </summary>
public sealed class PageTableTests : IDisposable
{
    /// <summary>The memory the tables are taken from (16 MiB: 4096 frames).</summary>
    private readonly PhysicalMemory _memory = new(16UL << 20);

    public void Dispose() => _memory.Dispose();

    /// <summary>Bytes one PTE table covers.</summary>
    private const ulong Table = 1UL << 21;

    /// <summary>TASK_SIZE: the end of user space.</summary>
    private const ulong UserTop = Abi.PageSize.TASK_SIZE;

    /// <summary>An address in the middle of the 47-bit space, 2 MiB-aligned.</summary>
    private const ulong Base = 0x1000_0000_0000UL;

    [Fact]
    public void LookupOfAnEmptyTableFindsNothingAndCreatesNothing()
    {
        var pt = new PageTable(_memory);
        Assert.Null(pt.Lookup(Base));
        Assert.Null(pt.Lookup(0));
        Assert.Null(pt.Lookup(0x7fff_ffff_f000));
        Assert.Equal(0, pt.PteTableCount);
    }

    [Fact]
    public void OneTableCoversTwoMegabytes()
    {
        var pt = new PageTable(_memory);
        var t = pt.LookupOrCreate(Base + 0x5000);
        Assert.Equal(1, pt.PteTableCount);
        Assert.Same(t, pt.LookupOrCreate(Base));
        Assert.Same(t, pt.Lookup(Base + Table - 1));
        Assert.Equal(1, pt.PteTableCount);

        var next = pt.LookupOrCreate(Base + Table);
        Assert.NotSame(t, next);
        Assert.Equal(2, pt.PteTableCount);

        // Every level differs: 1 GiB and 512 GiB further.
        pt.LookupOrCreate(Base + (1UL << 30));
        pt.LookupOrCreate(Base + (1UL << 39));
        Assert.Equal(4, pt.PteTableCount);
        Assert.Null(pt.Lookup(Base + (2UL << 30)));
    }

    [Fact]
    public void EveryLevelIsAFrameOfMemoryAndGoesBackWhenFreed()
    {
        var pt = new PageTable(_memory);
        pt.LookupOrCreate(Base);
        Assert.Equal(4, pt.TableFrames); // PGD, PUD, PMD, PTE
        Assert.Equal(4, _memory.FramesInUse);
        pt.LookupOrCreate(Base + Table);
        Assert.Equal(5, _memory.FramesInUse);
        pt.LookupOrCreate(Base + (1UL << 39));
        Assert.Equal(8, _memory.FramesInUse);

        // A walk over a range with no neighbours frees every level below the PGD; the whole space frees the PGD too.
        pt.FreeEmptyTables(Base, Base + (1UL << 30), 0, Base + (1UL << 39));
        Assert.Equal(4, pt.TableFrames);
        Assert.Null(pt.Lookup(Base));
        pt.FreeEmptyTables(0, UserTop, 0, ulong.MaxValue);
        Assert.Equal(0, pt.TableFrames);
        Assert.Equal(0, _memory.FramesInUse);
    }

    [Fact]
    public void WithoutAFreeFrameATableCannotBeCreatedAndNothingLeaks()
    {
        using var small = new PhysicalMemory(2UL << 20);
        var hog = new List<int>();
        var pt = new PageTable(small);
        pt.LookupOrCreate(Base);
        var frames = small.FramesInUse;

        // Leave two frames: a PTE table in a new 1 GiB region needs a PMD table and a PTE table
        // (succeeds), in a new 512 GiB region a PUD, PMD and PTE table (fails, keeping nothing).
        while (small.FreeFrames > 2)
        {
            hog.Add(small.Allocate(zero: false));
        }

        Assert.NotNull(pt.LookupOrCreate(Base + (1UL << 30)));
        Assert.Equal(0, small.FreeFrames);
        Assert.Null(pt.LookupOrCreate(Base + (2UL << 30) + Table));
        Assert.Null(pt.LookupOrCreate(Base + (1UL << 39)));
        Assert.Equal(frames + 2, pt.TableFrames);

        small.Put(hog[0]);
        small.Put(hog[1]);
        Assert.Null(pt.LookupOrCreate(Base + (1UL << 39))); // needs three
        Assert.Equal(frames + 2 + 2, pt.TableFrames); // the PUD and PMD it made stay, as Linux's do
        Assert.Null(pt.Lookup(Base + (1UL << 39)));
    }

    [Fact]
    public void AnUnlockedLookupThroughFreedTablesReadsOnlyFramesAndIsCaughtUnderTheLock()
    {
        var pt = new PageTable(_memory);
        var t = pt.LookupOrCreate(Base)!;
        Assert.Same(t, pt.LookupUnlocked(Base));
        using (t.Ptl.EnterScope())
        {
            Assert.True(t.IsLiveFor(pt, Base + 0x1000));
            Assert.False(t.IsLiveFor(pt, Base + Table));
        }

        pt.FreeEmptyTables(0, UserTop, 0, ulong.MaxValue);
        using (t.Ptl.EnterScope())
        {
            Assert.False(t.IsLiveFor(pt, Base));
        }

        // The frames are reused, filled with anything: the walk finds no live table through them.
        var junk = new List<int>();
        while (_memory.FreeFrames > 0)
        {
            var pfn = _memory.Allocate(zero: false);
            unsafe
            {
                new Span<ulong>(_memory.Data(pfn), 512).Fill(0xdead_beef_0000_1001UL);
            }

            junk.Add(pfn);
        }

        var stale = pt.LookupUnlocked(Base);
        Assert.True(stale is null || !stale.IsLiveFor(pt, Base));
        foreach (var pfn in junk)
        {
            _memory.Put(pfn);
        }
    }

    [Theory]
    [InlineData(0x0UL, 0)]
    [InlineData(0x1000UL, 1)]
    [InlineData(0x1fffffUL, 511)]
    [InlineData(0x200000UL, 0)]
    [InlineData(0x7fff_ffff_e000UL, 510)]
    public void PteIndexIsTheNineBitsAboveThePageOffset(ulong addr, int index) =>
        Assert.Equal(index, PageTable.PteIndex(addr));

    [Fact]
    public void ForEachTableVisitsAttachedTablesInAddressOrderWithTheirBase()
    {
        var pt = new PageTable(_memory);
        ulong[] addrs = [Base + (1UL << 39) + 0x3000, Base + 0x1234_5000, 0x40_0000, Base + Table];
        foreach (var a in addrs)
        {
            pt.LookupOrCreate(a);
        }

        var seen = new List<ulong>();
        pt.ForEachTable((tableAddr, table) =>
        {
            Assert.Same(pt.Lookup(tableAddr), table);
            seen.Add(tableAddr);
        });

        ulong[] expected = [0x40_0000, Base + Table, Base + 0x1220_0000, Base + (1UL << 39)];
        Assert.Equal(expected, seen);
    }

    [Fact]
    public void FreeEmptyTablesHonoursFloorAndCeiling()
    {
        var pt = new PageTable(_memory);
        for (var i = 0UL; i < 4; i++)
        {
            pt.LookupOrCreate(Base + (i * Table));
        }

        // Tables 0..3. Free [table 0 + 4 KiB, table 3 + 4 KiB) with a neighbour VMA ending inside
        // table 1 (floor) and one starting inside table 3 (ceiling): only table 2 may go.
        pt.FreeEmptyTables(Base + 0x1000, Base + (3 * Table) + 0x1000, floor: Base + Table + 0x1000, ceiling: Base + (3 * Table) + 0x1000);
        Assert.NotNull(pt.Lookup(Base));
        Assert.NotNull(pt.Lookup(Base + Table));
        Assert.Null(pt.Lookup(Base + (2 * Table)));
        Assert.NotNull(pt.Lookup(Base + (3 * Table)));
        Assert.Equal(3, pt.PteTableCount);

        // No neighbours: everything in range goes; a later lookup-or-create builds a fresh table.
        pt.FreeEmptyTables(0, UserTop, 0, ulong.MaxValue);
        Assert.Equal(0, pt.PteTableCount);
        var again = pt.LookupOrCreate(Base)!;
        Assert.Equal(0, again.Used);
        Assert.Equal(1, pt.PteTableCount);
    }

    [Fact]
    public void FreeEmptyTablesOverTheWholeSpaceFindsTablesFarApart()
    {
        var pt = new PageTable(_memory);
        ulong[] addrs = [0x1_0000, Base, Base + (300UL << 30), 0x7fff_ffe0_0000];
        foreach (var a in addrs)
        {
            pt.LookupOrCreate(a);
        }

        pt.FreeEmptyTables(0, UserTop, 0, ulong.MaxValue);
        Assert.Equal(0, pt.PteTableCount);
        foreach (var a in addrs)
        {
            Assert.Null(pt.Lookup(a));
        }
    }

    [Fact]
    public void FreeingATableThatStillHoldsEntriesIsABug()
    {
        var pt = new PageTable(_memory);
        var t = pt.LookupOrCreate(Base)!;
        using (t.Ptl.EnterScope())
        {
            t.Set(7, Pte.GuardMarker);
        }

        var ex = Assert.Throws<InvalidOperationException>(() => pt.FreeEmptyTables(Base, Base + Table, 0, ulong.MaxValue));
        Assert.Contains("1 entries in use", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UsedCountsNonEmptyEntries()
    {
        var t = new PageTable(_memory).LookupOrCreate(Base)!;
        using (t.Ptl.EnterScope())
        {
            t.Set(0, Pte.Make(5, writable: true, dirty: true, young: true));
            t.Set(1, Pte.GuardMarker);
            Assert.Equal(2, t.Used);

            // Replacing a non-empty entry by another keeps the count; clearing lowers it.
            t.Set(0, Pte.Swap(3));
            Assert.Equal(2, t.Used);
            t.Set(1, Pte.None);
            t.Set(1, Pte.None);
            Assert.Equal(1, t.Used);
            Assert.Equal(Pte.Swap(3), t.Get(0));
        }
    }
}
