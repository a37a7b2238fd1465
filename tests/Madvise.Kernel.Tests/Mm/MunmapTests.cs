using Madvise.Abi;
using Madvise.Kernel.Syscalls;
using Madvise.Kernel.Tests.Shared;
using static Madvise.Abi.MemoryAdvice;

namespace Madvise.Kernel.Tests.Mm;

/// <summary>
/// munmap(2): holes, partial unmaps, ranges over several VMAs and holes, errors, and that
/// pages, RSS and page tables come back (Linux: mm/vma.c do_vmi_align_munmap(), free_pgtables()).
/// </summary>
public sealed class MunmapTests
{
    /// <summary>Pages per PTE table: the window starts on a table boundary.</summary>
    private const int TablePages = 512;

    [Fact]
    public void AHoleInTheMiddleLeavesTwoVmasAndFreesItsPages()
    {
        using var b = new MmBuilder();
        b.Map(0, 6);
        b.Write(0, 6, 0x11);
        Assert.Equal(6, b.Mm.RssAnon);
        b.Unmap(2, 2);
        Assert.Equal("AA  BB", b.Layout(6));
        Assert.Equal(4, b.Mm.RssAnon);
        Assert.Equal(4, b.DataFrames);
        Assert.Equal("11 11 -- -- 11 11", b.Pattern(0, 6));
        b.AssertInvariants();
        b.AssertFrames();
    }

    [Fact]
    public void HeadAndTailUnmapsShrinkTheVma()
    {
        using var b = new MmBuilder();
        b.Map(0, 6);
        b.Unmap(0, 1);
        b.Unmap(5, 1);
        Assert.Equal(" AAAA ", b.Layout(6));
        Assert.Equal(1, b.Mm.MapCount);
        b.AssertInvariants();
    }

    [Fact]
    public void ARangeOverSeveralVmasAndHolesUnmapsEveryPieceInIt()
    {
        using var b = new MmBuilder();
        b.Map(0, 3, "rw");
        b.Map(4, 2, "r");
        b.Map(7, 3, "rw", "shared");
        //   0123456789
        //   AAA BB CCC
        Assert.Equal("AAA BB CCC", b.Layout(10));
        b.Unmap(1, 7);
        Assert.Equal("A       BB", b.Layout(10));
        Assert.Equal(2, b.Mm.MapCount);
        b.AssertInvariants();
    }

    [Fact]
    public void ARangeThatEndsInAHoleUnmapsWhatItCovers()
    {
        using var b = new MmBuilder();
        b.Map(0, 4);
        b.Map(6, 2);
        b.Unmap(2, 3);
        Assert.Equal("AA    BB", b.Layout(8));
        b.Unmap(5, 5);
        Assert.Equal("AA      ", b.Layout(8));
        b.AssertInvariants();
    }

    [Fact]
    public void MapFixedOverARangeThatEndsInAHoleReplacesWhatItCovers()
    {
        using var b = new MmBuilder();
        b.Map(2, 2);
        b.Write(2, 2, 0x11);
        b.Map(0, 8, "r");
        Assert.Equal("AAAAAAAA", b.Layout(8));
        Assert.Equal("00 00 00 00", b.Pattern(0, 4));
        Assert.Equal(0, b.DataFrames);
        b.AssertInvariants();
    }

    [Fact]
    public void UnmappingNothingSucceedsAndBadArgumentsAreRefused()
    {
        using var b = new MmBuilder();
        b.Unmap(0, 4);
        MmBuilder.Expect(-Errno.EINVAL, Sys.Munmap(b.Task, MmBuilder.Addr(0) + 1, 4096), "munmap of an unaligned address");
        MmBuilder.Expect(-Errno.EINVAL, Sys.Munmap(b.Task, MmBuilder.Addr(0), 0), "munmap of length 0");
        MmBuilder.Expect(-Errno.EINVAL, Sys.Munmap(b.Task, PageSize.TASK_SIZE - 4096, 8192), "munmap past the user limit");

        // An unaligned length is rounded up.
        b.Map(0, 2);
        Assert.Equal(0, Sys.Munmap(b.Task, MmBuilder.Addr(0), 4097));
        Assert.Equal("  ", b.Layout(2));

        b.AssertInvariants();
    }

    [Fact]
    public void PageTablesGoWhenNoVmaNeedsThem()
    {
        using var b = new MmBuilder();

        // Pages 510..513 straddle two PTE tables.
        b.Map(TablePages - 2, 4);
        b.Write(TablePages - 2, 4, 0x11);
        Assert.Equal(2, b.Mm.PteTableCount);

        // The lower table is empty and no VMA lies in it: it goes; the upper one stays.
        b.Unmap(TablePages - 2, 2);
        Assert.Equal(1, b.Mm.PteTableCount);
        b.Unmap(TablePages, 2);
        Assert.Equal(0, b.Mm.PteTableCount);
        b.AssertInvariants();
    }

    [Fact]
    public void ATableSharedWithAnotherVmaStaysUntilBothAreGone()
    {
        using var b = new MmBuilder();
        b.Map(0, 2);
        b.Map(10, 2, "r");
        b.Write(0, 2, 0x11);
        Assert.NotNull(b.TryRead(10, 2));
        Assert.Equal(1, b.Mm.PteTableCount);
        b.Unmap(0, 2);
        Assert.Equal(1, b.Mm.PteTableCount);
        Assert.Equal(0, b.Mm.RssAnon);
        b.Unmap(10, 2);
        Assert.Equal(0, b.Mm.PteTableCount);
        b.AssertInvariants();
    }

    [Fact]
    public void DontNeedEmptiesATableButOnlyMunmapFreesIt()
    {
        using var b = new MmBuilder();
        b.Map(0, 4);
        b.Write(0, 4, 0x11);
        Assert.Equal(0, b.Advise(0, 4, MADV_DONTNEED));
        Assert.Equal(1, b.Mm.PteTableCount);
        Assert.Equal(0, b.DataFrames);
        b.Unmap(0, 4);
        Assert.Equal(0, b.Mm.PteTableCount);

        b.AssertInvariants();
    }

    [Fact]
    public void UnmappingEverythingLeavesNothing()
    {
        using var b = new MmBuilder();
        var fd = b.CreateFile(4 * 4096, 0x5a);
        b.Map(0, 4);
        b.Map(8, 4, "rw", "shared");
        b.Map(16, 4, "rw", "private", fd);
        b.Map(20, 4, "rw", "shared", fd);
        b.Map(600, 2, "r");
        b.Write(0, 4, 1);
        b.Write(8, 4, 2);
        b.Write(16, 2, 3);
        b.Write(20, 2, 4);
        Assert.NotNull(b.TryRead(18, 2));
        Assert.NotNull(b.TryRead(600, 2));
        Assert.True(b.Mm.Rss > 0);
        b.AssertFrames();

        b.Unmap(0, 1024);
        Assert.Equal(0, b.Mm.MapCount);
        Assert.Equal(0, b.Mm.Rss);
        Assert.Equal(0, b.Mm.PteTableCount);
        b.AssertInvariants();
        b.AssertFrames();
    }
}
