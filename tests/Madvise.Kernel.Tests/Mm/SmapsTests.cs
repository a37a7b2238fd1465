using Madvise.Kernel.Mm;
using Madvise.Kernel.Tests.Shared;
using static Madvise.Abi.MemoryAdvice;

namespace Madvise.Kernel.Tests.Mm;

/// <summary>
/// MmStruct.Smaps (Linux: fs/proc/task_mmu.c show_smap()): which pages count in Rss,
/// Anonymous, LazyFree, Swap and Locked, per VMA, for the whole VMA.
/// </summary>
public sealed class SmapsTests
{
    private static SmapsEntry Single(MmBuilder b, int page, int pages = 1, Kernel.Tasks.TaskStruct? task = null)
    {
        var entries = b.MmOf(task).Smaps(MmBuilder.Addr(page), MmBuilder.Bytes(pages));
        return Assert.Single(entries);
    }

    [Fact]
    public void ZeroPagesAndGuardMarkersCountNowhereWhilePrivatePagesCountInRssAndAnonymous()
    {
        using var b = new MmBuilder();
        b.Map(0, 8);
        b.Write(0, 3, 0x11);
        Assert.NotNull(b.TryRead(3, 2));
        Assert.Equal(0, b.Advise(6, 1, MADV_GUARD_INSTALL));
        Assert.Equal("11111000", b.Mincore(0, 8));

        // Counters of the whole VMA, whatever page of it is asked about.
        var e = Single(b, 7);
        Assert.Equal(new SmapsEntry(MmBuilder.Addr(0), MmBuilder.Addr(8), Rss: 12, Anonymous: 12, AnonHugePages: 0, LazyFree: 0, Swap: 0, Locked: 0), e);
    }

    [Fact]
    public void EveryOverlappingVmaGetsAnEntryInAddressOrderAndAZeroLengthNone()
    {
        using var b = new MmBuilder();
        b.Map(0, 2);
        b.Map(2, 2, "r");
        b.Map(5, 1);
        b.Write(0, 1, 0x11);
        var entries = b.Mm.Smaps(MmBuilder.Addr(1), MmBuilder.Bytes(5));
        Assert.Equal([MmBuilder.Addr(0), MmBuilder.Addr(2), MmBuilder.Addr(5)], entries.Select(e => e.Start));
        Assert.Equal([4L, 0, 0], entries.Select(e => e.Rss));
        Assert.Empty(b.Mm.Smaps(MmBuilder.Addr(0), 0));
        Assert.Empty(b.Mm.Smaps(MmBuilder.Addr(4), MmBuilder.Bytes(1)));
        Assert.Single(b.Mm.Smaps(MmBuilder.Addr(5), ulong.MaxValue));
    }

    [Fact]
    public void SharedAndFilePagesAreResidentButNotAnonymousUntilCopied()
    {
        using var b = new MmBuilder();
        b.Map(0, 4, "rw", "shared");
        b.Write(0, 2, 0x22);
        Assert.Equal((8L, 0L), (Single(b, 0).Rss, Single(b, 0).Anonymous));

        var fd = b.CreateFile(MmBuilder.Bytes(2), 0x33);
        b.Map(8, 2, "rw", "private", fd);
        Assert.NotNull(b.TryRead(8, 2));
        Assert.Equal((8L, 0L), (Single(b, 8).Rss, Single(b, 8).Anonymous));
        b.Write(9, 1, 0x34);
        Assert.Equal((8L, 4L), (Single(b, 8).Rss, Single(b, 8).Anonymous));
    }

    [Fact]
    public void FreedPagesAreLazyFreeUntilWrittenAgainAndPageoutDiscardsThem()
    {
        using var b = new MmBuilder();
        b.Map(0, 4);
        b.Write(0, 4, 0x11);
        Assert.Equal(0, b.Advise(0, 4, MADV_FREE));

        // The pages wait in this CPU's lazy-free batch until a drain (LruBatchTests).
        Assert.Equal(0, Single(b, 0).LazyFree);
        b.Kernel.LruBatches.Drain();
        Assert.Equal(16, Single(b, 0).LazyFree);
        b.Write(1, 1, 0x12);
        Assert.Equal(12, Single(b, 0).LazyFree);
        Assert.Equal(0, b.Advise(0, 4, MADV_PAGEOUT));
        var e = Single(b, 0);
        Assert.Equal((4L, 4L, 0L), (e.Rss, e.Anonymous, e.LazyFree));
    }

    [Fact]
    public void SwappedOutPagesCountInSwapOnly()
    {
        using var b = new MmBuilder(KernelConfig.Default with { SwapBytes = 1 << 20 });
        b.Map(0, 4);
        b.Write(0, 4, 0x11);
        Assert.Equal(0, b.Advise(0, 2, MADV_PAGEOUT));
        var e = Single(b, 0);
        Assert.Equal((8L, 8L, 8L), (e.Rss, e.Anonymous, e.Swap));
    }

    [Fact]
    public void LockedIsTheProportionalSizeOfALockedVmasPages()
    {
        using var b = new MmBuilder();
        b.Map(0, 4);
        b.Write(0, 4, 0x11);
        Assert.Equal(0, b.Lock(0, 4));
        Assert.Equal(16, Single(b, 0).Locked);

        // The child shares the four pages (its VMA is not locked): the parent's share is half.
        var child = b.Fork();
        Assert.Equal(8, Single(b, 0).Locked);
        Assert.Equal(0, Single(b, 0, task: child).Locked);

        // A copy-on-write copy in the child leaves one page wholly the parent's again.
        b.Write(0, 1, 0x12, child);
        Assert.Equal(10, Single(b, 0).Locked);
        child.Exit();
        Assert.Equal(16, Single(b, 0).Locked);
    }

    [Fact]
    public void SwappedOutShmemPagesCountInTheMappingsSwapAndComeBackOnTheNextFault()
    {
        using var b = new MmBuilder(KernelConfig.Default with { SwapBytes = 1 << 20 });
        b.Map(0, 4, "rw", "shared");
        b.Write(0, 4, 0x22);
        Assert.Equal(0, b.Advise(0, 4, MADV_PAGEOUT));
        var e = Single(b, 0);
        Assert.Equal((0L, 16L), (e.Rss, e.Swap));
        Assert.Equal("0000", b.Mincore(0, 4));
        Assert.Equal("22", b.Pattern(2, 1));
        e = Single(b, 0);
        Assert.Equal((4L, 12L), (e.Rss, e.Swap));
        b.AssertInvariants();
        b.AssertFrames();
        b.ExitAllAndAssertNoFramesInUse();
    }
}
