using Madvise.Kernel.Mm.Physical;
using Madvise.Kernel.Tests.Shared;

namespace Madvise.Kernel.Tests.Mm;

/// <summary>
/// Page faults (Linux: mm/memory.c handle_pte_fault() and the handlers it dispatches to): the
/// zero page, copy-on-write after fork in both directions, private and shared file pages,
/// the end of a file, protections, and swap-in.
/// </summary>
public sealed class FaultTests
{
    /// <summary>Bytes per page.</summary>
    private const int Page = 4096;

    [Fact]
    public void AReadOfUntouchedAnonymousMemoryMapsTheZeroPage()
    {
        using var b = new MmBuilder();
        b.Map(0, 2);
        Assert.Equal("00", b.Pattern(0, 1));
        var pte = b.PteAt(0);
        Assert.True(pte.IsPresent);
        Assert.Equal(PhysicalMemory.ZeroPfn, pte.Pfn);
        Assert.False(pte.Writable);
        Assert.Equal(0, b.Mm.RssAnon);
        Assert.Equal(0, b.DataFrames);
        Assert.True(b.PteAt(1).IsNone);

        // The first store replaces it with a frame of its own (a copy of zeros).
        var cow = b.Kernel.Stats.CowFaults;
        b.Write(0, 1, 0x11);
        Assert.NotEqual(PhysicalMemory.ZeroPfn, b.PteAt(0).Pfn);
        Assert.True(b.PteAt(0).Writable);
        Assert.Equal(cow + 1, b.Kernel.Stats.CowFaults);
        Assert.Equal(1, b.Mm.RssAnon);
        b.AssertInvariants();
        b.AssertFrames();
    }

    [Fact]
    public void AFirstStoreAllocatesAZeroedFrameWithoutACopy()
    {
        using var b = new MmBuilder();
        b.Map(0, 1);
        var cow = b.Kernel.Stats.CowFaults;
        Assert.Equal(100, b.Mm.FillUser(MmBuilder.Addr(0) + 10, 100, 0x77));
        Assert.Equal(cow, b.Kernel.Stats.CowFaults);
        var data = b.TryRead(0, 1)!;
        Assert.Equal(0, data[9]);
        Assert.Equal(0x77, data[10]);
        Assert.Equal(0x77, data[109]);
        Assert.Equal(0, data[110]);

        b.AssertInvariants();
    }

    [Fact]
    public void CopyOnWriteAfterForkWorksBothWays()
    {
        using var b = new MmBuilder();
        b.Map(0, 2);
        b.Write(0, 2, 0x11);
        var pfn = b.PteAt(0).Pfn;
        var child = b.Fork();
        Assert.Equal(pfn, b.PteAt(0, child).Pfn);
        Assert.False(b.PteAt(0).Writable);
        Assert.False(b.PteAt(0, child).Writable);
        Assert.Equal(2, b.Kernel.Memory.Frame(pfn).MapCount);
        Assert.Equal(2, b.DataFrames);

        // The child's store copies; the parent keeps the frame, now mapped once.
        b.Write(0, 1, 0x22, child);
        Assert.NotEqual(pfn, b.PteAt(0, child).Pfn);
        Assert.Equal(1, b.Kernel.Memory.Frame(pfn).MapCount);
        Assert.Equal("11 11", b.Pattern(0, 2));
        Assert.Equal("22 11", b.Pattern(0, 2, child));

        // The parent's store to that page reuses its frame (nobody else maps it) ...
        var cow = b.Kernel.Stats.CowFaults;
        b.Write(0, 1, 0x33);
        Assert.Equal(pfn, b.PteAt(0).Pfn);
        Assert.Equal(cow, b.Kernel.Stats.CowFaults);

        // ... and its store to the still-shared page copies.
        b.Write(1, 1, 0x44);
        Assert.Equal(cow + 1, b.Kernel.Stats.CowFaults);
        Assert.Equal("33 44", b.Pattern(0, 2));
        Assert.Equal("22 11", b.Pattern(0, 2, child));
        Assert.Equal(4, b.DataFrames);
        b.AssertInvariants();
        b.AssertFrames();
    }

    [Fact]
    public void PrivateFileMappingsReadThePageCacheAndCopyOnWrite()
    {
        using var b = new MmBuilder();
        var fd = b.CreateFile(2 * Page, 0x5a);
        b.Map(0, 2, "rw", "private", fd);
        b.Map(4, 2, "r", "shared", fd);
        Assert.Equal("5a 5a", b.Pattern(0, 2));
        var cached = b.PteAt(0).Pfn;
        Assert.False(b.PteAt(0).Writable);
        Assert.Equal(2, b.Mm.RssFile);

        // Both mappings map the one page cache frame.
        Assert.Equal("5a", b.Pattern(4, 1));
        Assert.Equal(cached, b.PteAt(4).Pfn);

        b.Write(0, 1, 0x11);
        Assert.NotEqual(cached, b.PteAt(0).Pfn);
        Assert.Equal(1, b.Mm.RssAnon);
        Assert.Equal("11 5a", b.Pattern(0, 2));

        // The file did not change: the shared mapping and a new private one still read it.
        Assert.Equal("5a 5a", b.Pattern(4, 2));
        b.Map(8, 2, "r", "private", fd);
        Assert.Equal("5a 5a", b.Pattern(8, 2));
        b.AssertInvariants();
        b.AssertFrames();
    }

    [Fact]
    public void SharedFileWritesAreSeenByEveryMappingThatHasNotCopied()
    {
        using var b = new MmBuilder();
        var fd = b.CreateFile(2 * Page, 0x5a);
        var other = b.Fork();
        b.Map(0, 2, "rw", "shared", fd);
        b.Map(0, 2, "rw", "shared", fd, task: other);
        b.Map(4, 2, "rw", "private", fd);
        Assert.Equal("5a 5a", b.Pattern(4, 2));
        b.Write(5, 1, 0x66);

        b.Write(0, 2, 0x11);
        Assert.Equal("11 11", b.Pattern(0, 2, other));

        // The private mapping sees the write where it still maps the page cache, not where it copied.
        Assert.Equal("11 66", b.Pattern(4, 2));
        var pfn = b.PteAt(0).Pfn;
        Assert.True(b.Kernel.Memory.Frame(pfn).Has(PageFlags.Dirty));
        Assert.Equal(3, b.Mm.RssFile);
        Assert.Equal(1, b.Mm.RssAnon);
        b.AssertInvariants();
        b.AssertFrames();
    }

    [Fact]
    public void PagesPastTheEndOfTheFileFault()
    {
        using var b = new MmBuilder();
        var fd = b.CreateFile(Page + (Page / 2), 0x5a);
        b.Map(0, 3, "rw", "shared", fd);
        Assert.Equal("5a", b.Pattern(0, 1));

        // The partial last page reads its tail as zeros; the page after it does not exist.
        var partial = b.TryRead(1, 1)!;
        Assert.Equal(Page / 2, partial.AsSpan().IndexOfAnyExcept((byte)0x5a));
        Assert.Equal(-1, partial.AsSpan(Page / 2).IndexOfAnyExcept((byte)0));
        Assert.Null(b.TryRead(2, 1));
        Assert.Equal(0, b.TryWrite(2, 1, 0x11));

        // A store that runs from the last page into the next stops at the page boundary.
        Assert.Equal(100, b.Mm.FillUser(MmBuilder.Addr(2) - 100, 200, 0x22));
        b.AssertInvariants();
    }

    [Fact]
    public void ProtectionsDecideWhatFaultsMayDo()
    {
        using var b = new MmBuilder();
        b.Map(0, 1, "none");
        b.Map(2, 1, "r");
        Assert.Null(b.TryRead(0, 1));
        Assert.Equal(0, b.TryWrite(0, 1, 0x11));
        Assert.NotNull(b.TryRead(2, 1));
        Assert.Equal(0, b.TryWrite(2, 1, 0x11));
        Assert.True(b.PteAt(0).IsNone);

        // Granting the access makes the same operations work.
        Assert.Equal(0, b.Protect(0, 1, "rw"));
        b.Write(0, 1, 0x11);
        Assert.Equal("11", b.Pattern(0, 1));
        b.AssertInvariants();
    }

    [Fact]
    public void AStoreThatRunsIntoAForbiddenPageStoresTheBytesBeforeIt()
    {
        using var b = new MmBuilder();
        b.Map(0, 1);
        b.Map(1, 1, "r");
        Assert.Equal(10, b.Mm.FillUser(MmBuilder.Addr(1) - 10, 20, 0x11));
        var data = b.TryRead(0, 2)!;
        Assert.Equal(Page - 10, data.AsSpan().IndexOf((byte)0x11));
        Assert.Equal(Page, data.AsSpan(Page - 10).IndexOfAnyExcept((byte)0x11) + Page - 10);

        b.AssertInvariants();
    }

    [Fact]
    public void SwappedPagesComeBackOnTheNextAccess()
    {
        using var b = new MmBuilder(KernelConfig.Default with { SwapBytes = 16UL << 20 });
        b.Map(0, 4);
        for (var i = 0; i < 4; i++)
        {
            b.Write(i, 1, (byte)(0x10 + i));
        }

        Assert.Equal(4, b.Kernel.Reclaim());
        Assert.True(b.PteAt(2).IsSwap);
        Assert.Equal(0, b.DataFrames);
        Assert.Equal(0, b.Mm.RssAnon);
        Assert.Equal(4, b.Kernel.Swap!.UsedSlots);
        Assert.Equal(4, b.Kernel.Stats.SwapOuts);
        Assert.Equal("0000", b.Mincore(0, 4));
        b.AssertInvariants();

        Assert.Equal("10 11 12 13", b.Pattern(0, 4));
        Assert.Equal(4, b.Kernel.Stats.SwapIns);
        Assert.Equal(0, b.Kernel.Swap.UsedSlots);
        Assert.Equal(4, b.Mm.RssAnon);
        Assert.Equal("1111", b.Mincore(0, 4));
        b.Write(1, 1, 0x21);
        Assert.Equal("10 21 12 13", b.Pattern(0, 4));
        b.AssertInvariants();
        b.AssertFrames();
    }

    [Fact]
    public void ASwapSlotSharedByForkServesBothTasks()
    {
        using var b = new MmBuilder(KernelConfig.Default with { SwapBytes = 16UL << 20 });
        b.Map(0, 2);
        b.Write(0, 2, 0x11);
        var child = b.Fork();
        Assert.Equal(2, b.Kernel.Reclaim());
        Assert.True(b.PteAt(0).IsSwap);
        Assert.Equal(b.PteAt(0).SwapSlot, b.PteAt(0, child).SwapSlot);
        Assert.Equal(2, b.Kernel.Swap!.UsedSlots);

        Assert.Equal("11 11", b.Pattern(0, 2, child));
        Assert.True(b.PteAt(0).IsSwap);
        b.Write(0, 1, 0x22, child);
        Assert.Equal("11 11", b.Pattern(0, 2));
        Assert.Equal("22 11", b.Pattern(0, 2, child));
        Assert.Equal(0, b.Kernel.Swap.UsedSlots);
        b.AssertInvariants();
        b.AssertFrames();
        b.ExitAllAndAssertNoFramesInUse();
    }

    [Fact]
    public void WithoutMemoryAStoreFaultsAndNothingLeaks()
    {
        // 2 MiB of RAM: 511 frames besides the zero page. An accounted mapping larger than RAM
        // is refused up front (heuristic overcommit); a NORESERVE one faults when memory ends.
        // The page tables take four of the frames (PGD, PUD, PMD and the first PTE table).
        using var b = new MmBuilder(KernelConfig.Default with { MemoryBytes = 2UL << 20 });
        MmBuilder.Expect(-Abi.Errno.ENOMEM, b.TryMap(0, 600), "accounted mmap larger than RAM");
        b.Map(0, 600, "rw", "private,noreserve");
        var stored = b.TryWrite(0, 600, 0x11);
        Assert.Equal(507L * Page, stored);
        Assert.Equal(511, b.Kernel.Memory.FramesInUse);
        Assert.Equal(4, b.Kernel.Memory.PageTableFrames);
        b.AssertInvariants();
        b.Unmap(0, 600);
        Assert.Equal(0, b.Kernel.Memory.FramesInUse);
        b.Map(0, 2);
        b.Write(0, 2, 0x22);
        Assert.Equal("22 22", b.Pattern(0, 2));
        b.ExitAllAndAssertNoFramesInUse();
    }
}
