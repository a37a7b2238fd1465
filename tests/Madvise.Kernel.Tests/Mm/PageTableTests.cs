using Madvise.Kernel.Mm.PageTables;

namespace Madvise.Kernel.Tests.Mm;

/// <summary>
/// The radix page table: lookups never create, creation is idempotent per 2 MiB, PTE indexes,
/// the table walk, and freeing empty tables within a floor and ceiling.
/// </summary>
public sealed class PageTableTests
{
    /// <summary>Bytes one PTE table covers.</summary>
    private const ulong Table = 1UL << 21;

    /// <summary>TASK_SIZE: the end of user space.</summary>
    private const ulong UserTop = Abi.PageSize.TASK_SIZE;

    /// <summary>An address in the middle of the 47-bit space, 2 MiB-aligned.</summary>
    private const ulong Base = 0x1000_0000_0000UL;

    [Fact]
    public void LookupOfAnEmptyTableFindsNothingAndCreatesNothing()
    {
        var pt = new PageTable();
        Assert.Null(pt.Lookup(Base));
        Assert.Null(pt.Lookup(0));
        Assert.Null(pt.Lookup(0x7fff_ffff_f000));
        Assert.Equal(0, pt.PteTableCount);
    }

    [Fact]
    public void OneTableCoversTwoMegabytes()
    {
        var pt = new PageTable();
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
        var pt = new PageTable();
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
        var pt = new PageTable();
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
        var again = pt.LookupOrCreate(Base);
        Assert.Equal(0, again.Used);
        Assert.Equal(1, pt.PteTableCount);
    }

    [Fact]
    public void FreeEmptyTablesOverTheWholeSpaceFindsTablesFarApart()
    {
        var pt = new PageTable();
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
        var pt = new PageTable();
        var t = pt.LookupOrCreate(Base);
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
        var t = new PteTable();
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
