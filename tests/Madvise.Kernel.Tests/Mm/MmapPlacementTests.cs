using Madvise.Abi;
using Madvise.Kernel.Syscalls;
using Madvise.Kernel.Tests.Shared;
using static Madvise.Abi.MapFlags;
using static Madvise.Abi.PageSize;

namespace Madvise.Kernel.Tests.Mm;

/// <summary>
/// Where mmap puts a mapping (Linux: mm/mmap.c __get_unmapped_area(), x86-64
/// arch_get_unmapped_area_topdown()): top-down below mmap_base, hints used when free, hints
/// below vm.mmap_min_addr raised to it, and 2 MiB alignment for anonymous lengths that are
/// multiples of 2 MiB.
/// </summary>
public sealed class MmapPlacementTests
{
    /// <summary>The huge page size (PMD_SIZE).</summary>
    private const ulong Pmd = 2UL << 20;

    /// <summary>Private anonymous memory.</summary>
    private const int Anon = MAP_PRIVATE | MAP_ANONYMOUS;

    /// <summary>mmap of <paramref name="len"/> bytes at hint <paramref name="hint"/>, asserting success.</summary>
    private static ulong MapAt(MmBuilder b, ulong hint, ulong len, int flags = Anon)
    {
        var r = Sys.Mmap(b.Task, hint, len, Prot.PROT_READ | Prot.PROT_WRITE, (ulong)flags, -1, 0);
        Assert.True(r >= 0, $"mmap returned {MmBuilder.Errno(r)}");
        return (ulong)r;
    }

    [Fact]
    public void UnhintedMappingsStackDownFromMmapBase()
    {
        using var b = new MmBuilder();
        var first = MapAt(b, 0, PAGE_SIZE);
        Assert.Equal(b.Mm.MmapBase - PAGE_SIZE, first);
        var second = MapAt(b, 0, 3 * PAGE_SIZE);
        Assert.Equal(first - (3 * PAGE_SIZE), second);

        // Adjacent with equal flags: the two placements are one VMA.
        Assert.Equal(1, b.Mm.MapCount);
        b.AssertInvariants();
    }

    [Fact]
    public void TheHighestHoleThatFitsIsUsedFirst()
    {
        using var b = new MmBuilder();
        var a = MapAt(b, 0, PAGE_SIZE);
        var hole = MapAt(b, 0, 4 * PAGE_SIZE, Anon | MAP_NORESERVE);
        var c = MapAt(b, 0, PAGE_SIZE);
        Assert.Equal(0, Sys.Munmap(b.Task, hole, 4 * PAGE_SIZE));

        // A mapping larger than the hole goes below everything; one that fits takes the hole's top.
        var big = MapAt(b, 0, 5 * PAGE_SIZE, Anon | MAP_NORESERVE);
        Assert.Equal(c - (5 * PAGE_SIZE), big);
        var small = MapAt(b, 0, 2 * PAGE_SIZE, Anon | MAP_NORESERVE);
        Assert.Equal(a - (2 * PAGE_SIZE), small);
        b.AssertInvariants();
    }

    [Fact]
    public void AFreeHintIsUsedRoundedDownToAPage()
    {
        using var b = new MmBuilder();
        var hint = MmBuilder.Addr(10);
        Assert.Equal(hint, MapAt(b, hint + 123, 2 * PAGE_SIZE));

        b.AssertInvariants();
    }

    [Fact]
    public void ABusyHintIsIgnoredAndTheMappingThereIsKept()
    {
        using var b = new MmBuilder();
        b.Map(0, 2);
        b.Write(0, 2, 0x11);
        var placed = MapAt(b, MmBuilder.Addr(1), 2 * PAGE_SIZE);
        Assert.NotEqual(MmBuilder.Addr(1), placed);
        Assert.Equal(b.Mm.MmapBase - (2 * PAGE_SIZE), placed);
        Assert.Equal("11 11", b.Pattern(0, 2));
        b.AssertInvariants();
    }

    [Fact]
    public void AHintBelowMmapMinAddrIsRaisedToIt()
    {
        using var b = new MmBuilder();
        Assert.Equal(b.Kernel.Config.MmapMinAddr, MapAt(b, 0x1000, PAGE_SIZE));

        b.AssertInvariants();
    }

    [Fact]
    public void AHintAboveTheUserLimitIsIgnored()
    {
        using var b = new MmBuilder();
        Assert.Equal(b.Mm.MmapBase - PAGE_SIZE, MapAt(b, TASK_SIZE + PAGE_SIZE, PAGE_SIZE));

        b.AssertInvariants();
    }

    [Fact]
    public void FixedMappingsBelowMmapMinAddrNeedCapSysRawio()
    {
        using var b = new MmBuilder();
        const int flags = Anon | MAP_FIXED;
        var r = Sys.Mmap(b.Task, 0x1000, PAGE_SIZE, Prot.PROT_READ, flags, -1, 0);
        Assert.Equal(0x1000, r);
        b.Task.DropCapability(Capability.CAP_SYS_RAWIO);
        r = Sys.Mmap(b.Task, 0x2000, PAGE_SIZE, Prot.PROT_READ, flags, -1, 0);
        MmBuilder.Expect(-Errno.EPERM, r, "MAP_FIXED below mmap_min_addr without CAP_SYS_RAWIO");

        b.AssertInvariants();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void AnonymousMultiplesOfTwoMegabytesAreHugePageAligned(int megabytePairs)
    {
        using var b = new MmBuilder();

        // Move the top off any 2 MiB boundary first.
        var top = MapAt(b, 0, 3 * PAGE_SIZE, Anon | MAP_NORESERVE);
        var len = (ulong)megabytePairs * Pmd;
        var placed = MapAt(b, 0, len);
        Assert.Equal(0UL, placed % Pmd);
        Assert.True(placed + len <= top, "the aligned mapping overlaps the one above it");

        // It is the highest aligned place below the mapping above.
        Assert.Equal((top - len) & ~(Pmd - 1), placed);
        b.AssertInvariants();
    }

    [Fact]
    public void OtherLengthsAreNotAligned()
    {
        using var b = new MmBuilder();
        var top = MapAt(b, 0, 3 * PAGE_SIZE, Anon | MAP_NORESERVE);
        var placed = MapAt(b, 0, Pmd + PAGE_SIZE);
        Assert.Equal(top - Pmd - PAGE_SIZE, placed);

        b.AssertInvariants();
    }

    [Fact]
    public void FixedReplacesAndFixedNoReplaceRefuses()
    {
        using var b = new MmBuilder();
        b.Map(0, 4);
        b.Write(0, 4, 0x11);
        var framesBefore = b.Kernel.Memory.FramesInUse;

        // MAP_FIXED_NOREPLACE over a mapped page: -EEXIST, nothing changes.
        MmBuilder.Expect(-Errno.EEXIST, b.TryMap(1, 1, "r", "private,fixed_noreplace"), "MAP_FIXED_NOREPLACE");
        Assert.Equal("11 11 11 11", b.Pattern(0, 4));

        // MAP_FIXED replaces: the old pages are unmapped and freed, the new ones read zero.
        b.Map(1, 2, "r");
        Assert.Equal("ABBC", b.Layout(4));
        Assert.Equal("11 00 00 11", b.Pattern(0, 4));
        Assert.Equal(framesBefore - 2, b.Kernel.Memory.FramesInUse);
        b.AssertInvariants();
        b.AssertFrames();
    }

    [Fact]
    public void ImpossibleLengthsAreRefused()
    {
        using var b = new MmBuilder();
        MmBuilder.Expect(-Errno.EINVAL, Sys.Mmap(b.Task, 0, 0, Prot.PROT_READ, Anon, -1, 0), "mmap of length 0");
        MmBuilder.Expect(-Errno.ENOMEM, Sys.Mmap(b.Task, 0, TASK_SIZE + PAGE_SIZE, Prot.PROT_READ, Anon, -1, 0), "mmap longer than user space");
        MmBuilder.Expect(-Errno.ENOMEM, Sys.Mmap(b.Task, 0, ulong.MaxValue - 5, Prot.PROT_READ, Anon, -1, 0), "mmap whose length rounds to 0");
        Assert.Equal(0, b.Mm.MapCount);

        b.AssertInvariants();
    }
}
