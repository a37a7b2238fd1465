using Madvise.Kernel.Mm;
using Madvise.Kernel.Tests.Shared;
using static Madvise.Abi.MemoryAdvice;

namespace Madvise.Kernel.Tests.Mm;

/// <summary>
/// PMD-sized transparent huge pages (Linux: mm/huge_memory.c): when a fault maps 2 MiB at once,
/// the huge zero page, and what covering part or all of a huge page does. Window page 0 is
/// 2 MiB aligned, so window pages 512k start blocks. Each test ends with the page-table
/// invariants and a frame audit (every frame's counts recomputed from the page tables).
/// </summary>
public sealed class HugePageTests
{
    /// <summary>Pages of a huge page.</summary>
    private const int H = 512;

    private static SmapsEntry Smaps(MmBuilder b, int page, Kernel.Tasks.TaskStruct? task = null) =>
        Assert.Single(b.MmOf(task).Smaps(MmBuilder.Addr(page), MmBuilder.Bytes(1)));

    private static string Ones(int n) => new('1', n);

    private static void Check(MmBuilder b)
    {
        b.AssertInvariants();
        b.AssertFrames();
    }

    [Fact]
    public void AWriteInAHugepageVmaMapsTwoMegabytesAtOnceWhereTheBlockLiesInsideIt()
    {
        using var b = new MmBuilder();
        b.Map(0, 3 * H);
        Assert.Equal(0, b.Advise(0, 3 * H, MADV_HUGEPAGE));
        b.Write(5, 1, 0x11);
        Assert.Equal(Ones(H), b.Mincore(0, H));
        Assert.Equal("11 00", b.Pattern(5, 2));
        var e = Smaps(b, 0);
        Assert.Equal((2048L, 2048L, 2048L), (e.Rss, e.Anonymous, e.AnonHugePages));
        Assert.Equal(1, b.Kernel.Stats.ThpFaultAlloc);

        // Without VM_HUGEPAGE (thp=madvise) or outside the VMA's blocks: 4 KiB pages.
        b.Map(4 * H, H);
        b.Write(4 * H, 1, 0x22);
        Assert.Equal("10", b.Mincore(4 * H, 2));
        b.Map(6 * H + 1, H);
        Assert.Equal(0, b.Advise(6 * H + 1, H, MADV_HUGEPAGE));
        b.Write(6 * H + 1, 1, 0x33);
        Assert.Equal("10", b.Mincore(6 * H + 1, 2));
        Check(b);
        b.ExitAllAndAssertNoFramesInUse();
    }

    [Fact]
    public void AReadMapsTheHugeZeroPageWhichAWriteReplacesWithANewHugePageEvenAfterNohugepage()
    {
        using var b = new MmBuilder();
        b.Map(0, H);
        Assert.Equal(0, b.Advise(0, H, MADV_HUGEPAGE));
        Assert.Equal("00", b.Pattern(7, 1));
        Assert.Equal(Ones(H), b.Mincore(0, H));
        Assert.Equal(0, Smaps(b, 0).Rss);
        Assert.Equal(0, b.DataFrames);
        Assert.Equal(0, b.Advise(0, H, MADV_NOHUGEPAGE));
        b.Write(9, 1, 0x66);
        Assert.Equal((2048L, 2048L), (Smaps(b, 0).Rss, Smaps(b, 0).AnonHugePages));
        Check(b);
    }

    [Fact]
    public void PartOfAHugePageIsSplitAndTheRestKeptWhileAWholeOneGoesAtOnceAndCanComeBackHuge()
    {
        using var b = new MmBuilder();
        b.Map(0, 2 * H);
        Assert.Equal(0, b.Advise(0, 2 * H, MADV_HUGEPAGE));
        b.Write(0, 2 * H, 0x5a);
        Assert.Equal(0, b.Advise(100, 10, MADV_DONTNEED));
        Assert.Equal("11000000000011", b.Mincore(98, 14));
        Assert.Equal("5a 00 00 5a", b.Pattern(99, 1) + " " + b.Pattern(100, 1) + " " + b.Pattern(109, 1) + " " + b.Pattern(110, 1));
        var e = Smaps(b, 0);
        Assert.Equal((4056L, 2048L), (e.Rss, e.AnonHugePages));

        Assert.Equal(0, b.Advise(H, H, MADV_DONTNEED));
        Assert.Equal("1100", b.Mincore(H - 2, 4));
        b.Write(H + 3, 1, 0x77);
        Assert.Equal(Ones(H), b.Mincore(H, H));
        Assert.Equal(2048L, Smaps(b, 0).AnonHugePages);
        Check(b);
    }

    [Fact]
    public void SplittingAnAnonymousHugeEntryFlushesTheTlbOnce()
    {
        // Linux: __split_huge_pmd_locked() takes the huge entry away with pmdp_invalidate(),
        // which flushes it from every TLB before the PTEs take over. A VMA edge put inside the
        // block (NOHUGEPAGE on part of it) splits it and changes no entry: the split's flush is all.
        using var b = new MmBuilder();
        b.Map(0, 2 * H);
        Assert.Equal(0, b.Advise(0, 2 * H, MADV_HUGEPAGE));
        b.Write(0, H, 0x5a);
        Assert.Equal(2048L, Smaps(b, 0).AnonHugePages);
        var flushes = b.Kernel.Stats.TlbFlushes;
        Assert.Equal(0, b.Advise(100, 10, MADV_NOHUGEPAGE));
        Assert.Equal(0L, Smaps(b, 0).AnonHugePages);
        Assert.Equal(flushes + 1, b.Kernel.Stats.TlbFlushes);
        Assert.Equal("5a 5a", b.Pattern(0, 1) + " " + b.Pattern(H - 1, 1));
        Check(b);
    }

    [Fact]
    public void AWholeBlockDontneedOfSmallPagesFreesThePageTableSoTheNextFaultIsHuge()
    {
        using var b = new MmBuilder();
        b.Map(0, H);
        b.Write(0, H, 0x88);
        Assert.Equal(0, b.Advise(0, H, MADV_DONTNEED));
        Assert.Equal(0, b.Advise(0, H, MADV_HUGEPAGE));
        b.Write(3, 1, 0x89);
        Assert.Equal(2048L, Smaps(b, 0).AnonHugePages);

        // A guard marker keeps the table: the block stays 4 KiB.
        b.Map(H, H);
        Assert.Equal(0, b.Advise(H, H, MADV_HUGEPAGE));
        Assert.Equal(0, b.Advise(2 * H - 1, 1, MADV_GUARD_INSTALL));
        b.Write(H + 5, 1, 0x77);
        Assert.Equal("00000100", b.Mincore(H, 8));
        Check(b);
    }

    [Fact]
    public void VmaEdgesInsideABlockSplitItAndEdgesOnBlocksDoNot()
    {
        using var b = new MmBuilder();
        b.Map(0, 2 * H);
        Assert.Equal(0, b.Advise(0, 2 * H, MADV_HUGEPAGE));
        b.Write(0, 2 * H, 0x61);
        Assert.Equal(0, b.Advise(0, 2 * H, MADV_NOHUGEPAGE));
        Assert.Equal(0, b.Protect(100, 10, "r"));
        Assert.Equal(0, b.Protect(H, H, "r"));
        var entries = b.Mm.Smaps(MmBuilder.Addr(0), MmBuilder.Bytes(2 * H));
        Assert.Equal([0L, 0, 0, 2048], entries.Select(x => x.AnonHugePages));
        Assert.Equal("61", b.Pattern(105, 1));
        Assert.Equal(0, b.TryWrite(H + 1, 1, 0x62));
        Assert.Equal(0, b.Protect(0, 2 * H, "rw"));
        Assert.Equal(2048L, Smaps(b, 0).AnonHugePages);

        b.Unmap(200, 10);
        b.Unmap(H, H);
        Assert.Equal("11", b.Mincore(198, 2));
        Check(b);
        b.ExitAllAndAssertNoFramesInUse();
    }

    [Fact]
    public void ForkSharesTheHugeEntryAndCopyOnWriteSplitsOnlyTheWriters()
    {
        using var b = new MmBuilder();
        b.Map(0, H);
        Assert.Equal(0, b.Advise(0, H, MADV_HUGEPAGE));
        b.Write(0, H, 0x15);
        Assert.Equal(0, b.Advise(0, H, MADV_NOHUGEPAGE));
        var child = b.Fork();
        Assert.Equal(2048L, Smaps(b, 0, child).AnonHugePages);
        b.Write(1, 1, 0x66);
        Assert.Equal((2048L, 0L), (Smaps(b, 0).Rss, Smaps(b, 0).AnonHugePages));
        Assert.Equal(2048L, Smaps(b, 0, child).AnonHugePages);
        Assert.Equal("15 15", b.Pattern(1, 2, child));
        Assert.Equal("66 15", b.Pattern(1, 2));
        Check(b);

        // Once the child is gone the page is the parent's alone: reused in place.
        b.Map(H, H);
        Assert.Equal(0, b.Advise(H, H, MADV_HUGEPAGE));
        b.Write(H, H, 0x16);
        var second = b.Fork();
        second.Exit();
        b.Write(H + 1, 1, 0x67);
        Assert.Equal(2048L, Smaps(b, H).AnonHugePages);
        Check(b);
    }

    [Fact]
    public void FreeOfAWholeHugePageIsLazyAtOnceAndPageoutDiscardsItEntryAndAll()
    {
        using var b = new MmBuilder();
        b.Map(0, 2 * H);
        Assert.Equal(0, b.Advise(0, 2 * H, MADV_HUGEPAGE));
        b.Write(0, 2 * H, 0x5a);
        Assert.Equal(0, b.Advise(0, H, MADV_FREE));
        Assert.Equal((2048L, 4096L), (Smaps(b, 0).LazyFree, Smaps(b, 0).AnonHugePages));
        Assert.Equal(0, b.Advise(0, 2 * H, MADV_PAGEOUT));

        // Discarded: the PMD is empty again, and a read maps the huge zero page. The swap-backed
        // block is split and kept (no swap).
        var e = Smaps(b, 0);
        Assert.Equal((2048L, 0L, 0L), (e.Rss, e.LazyFree, e.AnonHugePages));
        Assert.Equal("00", b.Pattern(7, 1));
        Assert.Equal(Ones(H), b.Mincore(0, H));
        Assert.Equal("5a", b.Pattern(H + 7, 1));
        Check(b);
    }

    [Fact]
    public void WithoutAFreeTwoMegabyteBlockTheFaultFallsBackToASmallPage()
    {
        using var b = new MmBuilder(KernelConfig.Default with { MemoryBytes = 4UL << 20 });
        b.Map(0, 2 * H);
        Assert.Equal(0, b.Advise(0, 2 * H, MADV_HUGEPAGE));

        // Chunk 0 holds the zero page; chunk 1 becomes the first huge page.
        b.Write(0, 1, 0x01);
        Assert.Equal(2048L, Smaps(b, 0).AnonHugePages);
        b.Write(H, 1, 0x02);
        Assert.Equal("10", b.Mincore(H, 2));
        Assert.Equal(1, b.Kernel.Stats.ThpFaultFallback);
        Check(b);
    }

    [Fact]
    public void CollapseCopiesAnonymousPagesIntoAHugePageAndFailsWithoutAPageTable()
    {
        using var b = new MmBuilder();
        b.Map(0, 2 * H);
        Expect(-22, b.Advise(0, 2 * H, MADV_COLLAPSE), "no anon_vma yet");
        b.Write(7, 1, 0x22);
        b.Write(8, 1, 0x23);

        // Block 0 collapses; block 1 has no page table: -EINVAL, block 0 stays collapsed.
        Expect(-22, b.Advise(0, 2 * H, MADV_COLLAPSE), "second block without a table");
        Assert.Equal("00 22 23 00", b.Pattern(6, 4));
        Assert.Equal(Ones(H), b.Mincore(0, H));
        Assert.Equal((2048L, 2048L), (Smaps(b, 0).Rss, Smaps(b, 0).AnonHugePages));
        Expect(0, b.Advise(0, H, MADV_COLLAPSE), "already huge");

        // An empty table collapses into a huge page of zeros; a guard marker cannot be faulted in.
        b.Write(H + 3, 1, 0x34);
        Assert.Equal(0, b.Advise(H + 3, 1, MADV_DONTNEED));
        Assert.Equal(0, b.Advise(H + 9, 1, MADV_GUARD_INSTALL));
        Expect(-22, b.Advise(H, H, MADV_COLLAPSE), "a guard marker in the block");
        Assert.Equal(0, b.Advise(H + 9, 1, MADV_GUARD_REMOVE));
        Expect(0, b.Advise(H, H, MADV_COLLAPSE), "an empty table");
        Assert.Equal((4096L, 4096L), (Smaps(b, 0).Rss, Smaps(b, 0).AnonHugePages));
        Assert.Equal("00", b.Pattern(H + 3, 1));
        Check(b);
        b.ExitAllAndAssertNoFramesInUse();
    }

    [Fact]
    public void CollapseOfSharedAnonymousMemoryBuildsAPageCacheFolioThatOtherMappingsFaultInByPmd()
    {
        using var b = new MmBuilder();
        var fd = b.CreateFile(MmBuilder.Bytes(H), 0x77, memfd: true);
        b.Map(0, H, "rw", "shared", fd);
        b.Map(H, H, "r", "shared", fd);
        b.Write(3, 1, 0x78);
        Assert.Equal("78", b.Pattern(H + 3, 1));
        Assert.Equal(64L, Smaps(b, H).Rss);

        Expect(0, b.Advise(0, H, MADV_COLLAPSE), "memfd collapse");
        Assert.Equal((2048L, 0L, 0L), (Smaps(b, 0).Rss, Smaps(b, 0).Anonymous, Smaps(b, 0).AnonHugePages));
        Assert.Equal(0L, Smaps(b, H).Rss);
        Assert.Equal(Ones(H), b.Mincore(H, H));
        Assert.Equal("78 77", b.Pattern(H + 3, 2));
        Assert.Equal(2048L, Smaps(b, H).Rss);

        // Part of it: the huge entry goes from this mapping; the page cache keeps the folio.
        Assert.Equal(0, b.Advise(100, 10, MADV_DONTNEED));
        Assert.Equal(0L, Smaps(b, 0).Rss);
        Assert.Equal("77", b.Pattern(100, 1));
        Assert.Equal(2048L, Smaps(b, 0).Rss);
        Check(b);
    }

    private static void Expect(long expected, long actual, string what) => MmBuilder.Expect(expected, actual, what);
}
