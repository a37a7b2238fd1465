using Madvise.Kernel.Mm;
using Madvise.Kernel.Mm.Physical;
using Madvise.Kernel.Tests.Shared;
using static Madvise.Abi.MemoryAdvice;

namespace Madvise.Kernel.Tests.Mm;

/// <summary>
/// The per-CPU folio batches (Linux: mm/swap.c cpu_fbatches; LruBatches): MADV_FREE and
/// MADV_COLD queue pages that keep their LRU flag and gain a reference until a drain, and a
/// pinning read of a page fork shared copies it while a batch holds it. The expectations are
/// what Linux 6.18 answers (tests/scenarios/madv-free-lru-batch.scn checks them on the host).
/// </summary>
public sealed class LruBatchTests
{
    private static long LazyFree(MmBuilder b, int page) => Assert.Single(b.Mm.Smaps(MmBuilder.Addr(page), MmBuilder.Bytes(1))).LazyFree;

    private static int PfnAt(MmBuilder b, int page) => b.Mm.PageTable.ReadPte(MmBuilder.Addr(page)).Pfn;

    /// <summary>process_vm_readv() of the pages: a read that pins them (FOLL_PIN).</summary>
    private static void PinningRead(MmBuilder b, int page, int pages) =>
        Assert.Equal((long)MmBuilder.Bytes(pages), b.Mm.ReadRemote(MmBuilder.Addr(page), new byte[MmBuilder.Bytes(pages)]));

    [Fact]
    public void FreedPagesWaitInTheBatchOnTheirListWithAReferenceUntilADrain()
    {
        using var b = new MmBuilder();
        b.Map(0, 4);
        b.Write(0, 4, 0x11);
        Assert.Equal(0, b.Advise(0, 4, MADV_FREE));

        ref var frame = ref b.Kernel.Memory.Frame(PfnAt(b, 2));
        Assert.Equal(0, LazyFree(b, 0));
        Assert.True(frame.Has(PageFlags.Lru) && frame.Has(PageFlags.SwapBacked), $"flags {(PageFlags)frame.Flags}");
        Assert.Equal((2, 1, 1), (frame.RefCount, frame.MapCount, frame.BatchRefs));
        b.AssertFrames();

        b.Kernel.LruBatches.Drain();
        Assert.Equal(16, LazyFree(b, 0));
        Assert.False(frame.Has(PageFlags.SwapBacked));
        Assert.Equal((1, 0), (frame.RefCount, frame.BatchRefs));

        // A second FREE drains first and finds the pages lazy-free already: nothing is queued.
        Assert.Equal(0, b.Advise(0, 4, MADV_FREE));
        Assert.Equal((16L, 1, 0), (LazyFree(b, 0), frame.RefCount, frame.BatchRefs));
        b.ExitAllAndAssertNoFramesInUse();
    }

    [Fact]
    public void AFullBatchIsAppliedAtOnce()
    {
        using var b = new MmBuilder();
        b.Map(0, 40);
        b.Write(0, 40, 0x11);
        Assert.Equal(0, b.Advise(0, 40, MADV_FREE));
        Assert.Equal(31 * 4, Assert.Single(b.Mm.Smaps(MmBuilder.Addr(0), MmBuilder.Bytes(40))).LazyFree);
        Assert.Equal(0, b.Advise(39, 1, MADV_COLD));
        Assert.Equal(40 * 4, Assert.Single(b.Mm.Smaps(MmBuilder.Addr(0), MmBuilder.Bytes(40))).LazyFree);
        b.ExitAllAndAssertNoFramesInUse();
    }

    /// <summary>Four written pages that a fork shared and the child then unmapped (the parent's alone, not marked exclusive), freed; returns the first one's frame.</summary>
    private static int ForkSharedThenFreed(MmBuilder b)
    {
        b.Map(0, 4);
        b.Write(0, 4, 0x11);
        var child = b.Fork();
        b.Unmap(0, 4, child);
        var pfn = PfnAt(b, 0);
        Assert.Equal(0, b.Advise(0, 4, MADV_FREE));
        return pfn;
    }

    [Fact]
    public void APinningReadCopiesAPageForkSharedWhileABatchHoldsIt()
    {
        using var b = new MmBuilder();
        var before = ForkSharedThenFreed(b);

        // The page is the parent's alone again but no longer marked exclusive, so the pin
        // unshares it; the batch's reference forbids reusing it: a copy, mapped with a dirty entry.
        PinningRead(b, 0, 4);
        Assert.NotEqual(before, PfnAt(b, 0));
        b.AssertFrames();
        b.Kernel.LruBatches.Drain();
        Assert.Equal(0, LazyFree(b, 0));
        Assert.Equal("11 11 11 11", b.Pattern(0, 4));
        b.ExitAllAndAssertNoFramesInUse();
    }

    [Fact]
    public void AfterADrainThePinningReadReusesTheSharedPage()
    {
        using var b = new MmBuilder();
        var before = ForkSharedThenFreed(b);
        b.Kernel.LruBatches.Drain();
        PinningRead(b, 0, 4);
        Assert.Equal(before, PfnAt(b, 0));
        Assert.Equal(16, LazyFree(b, 0));
        b.ExitAllAndAssertNoFramesInUse();
    }

    [Fact]
    public void APinningReadLeavesAnExclusivePageInABatchInPlace()
    {
        using var b = new MmBuilder();
        b.Map(0, 4);
        b.Write(0, 4, 0x11);
        var before = PfnAt(b, 0);
        Assert.Equal(0, b.Advise(0, 4, MADV_FREE));
        PinningRead(b, 0, 4);
        Assert.Equal(before, PfnAt(b, 0));
        b.Kernel.LruBatches.Drain();
        Assert.Equal(16, LazyFree(b, 0));
        b.ExitAllAndAssertNoFramesInUse();
    }

    [Fact]
    public void ColdQueuesAnActivePageAndClearsItsReferencedBitAtOnce()
    {
        using var b = new MmBuilder();
        b.Map(0, 2);
        b.Write(0, 2, 0x11);

        // Without swap, reclaim keeps anonymous pages and activates them.
        Assert.Equal(0, b.Advise(0, 2, MADV_PAGEOUT));
        ref var frame = ref b.Kernel.Memory.Frame(PfnAt(b, 0));
        Assert.True(frame.Has(PageFlags.Active));
        Interlocked.Or(ref frame.Flags, (int)PageFlags.Referenced);

        Assert.Equal(0, b.Advise(0, 2, MADV_COLD));
        Assert.True(frame.Has(PageFlags.Active) && !frame.Has(PageFlags.Referenced));
        Assert.Equal((2, 1), (frame.RefCount, frame.BatchRefs));
        b.AssertFrames();

        b.Kernel.LruBatches.DrainAll();
        Assert.False(frame.Has(PageFlags.Active));
        Assert.Equal((1, 0), (frame.RefCount, frame.BatchRefs));
        b.ExitAllAndAssertNoFramesInUse();
    }

    [Fact]
    public void FramesABatchHoldsAfterTheirProcessExitsAreFreedByTheDrain()
    {
        using var b = new MmBuilder();
        b.Map(0, 4);
        b.Write(0, 4, 0x11);
        Assert.Equal(0, b.Advise(0, 4, MADV_FREE));
        b.Unmap(0, 4);
        b.AssertFrames();
        Assert.Equal(4, b.DataFrames);
        b.ExitAllAndAssertNoFramesInUse();
    }
}
