using Madvise.Kernel.Mm.Physical;
using Madvise.Kernel.Tests.Shared;

namespace Madvise.Kernel.Tests.Mm;

/// <summary>
/// The frame allocator: lazy chunks, reference counts, the zero page (reserved, never handed
/// out, never freed), exhaustion (-1), and the counter agreeing with a scan of every frame.
/// </summary>
public sealed class PhysicalMemoryTests
{
    /// <summary>Two chunks: 1024 frames, the zero page included.</summary>
    private const ulong TwoChunks = 4UL << 20;

    [Fact]
    public void TheZeroPageIsReservedZeroAndNotCounted()
    {
        using var memory = new PhysicalMemory(TwoChunks);
        Assert.Equal(1024, memory.TotalFrames);
        Assert.Equal(0, memory.FramesInUse);
        Assert.Equal(0, memory.CountFramesInUseSlow());
        ref var zero = ref memory.Frame(PhysicalMemory.ZeroPfn);
        Assert.True(zero.Has(PageFlags.Reserved));
        Assert.False(zero.Has(PageFlags.Free));
        Assert.Equal(-1, memory.Page(PhysicalMemory.ZeroPfn).IndexOfAnyExcept((byte)0));
    }

    [Fact]
    public void FramesAreCreatedLazilyOneChunkAtATime()
    {
        using var memory = new PhysicalMemory(TwoChunks);
        Assert.Equal(PhysicalMemory.FramesPerChunk, memory.CreatedFrames);
        var pfns = new List<int>();
        for (var i = 0; i < PhysicalMemory.FramesPerChunk - 1; i++)
        {
            pfns.Add(memory.Allocate(zero: false));
        }

        Assert.Equal(PhysicalMemory.FramesPerChunk, memory.CreatedFrames);
        pfns.Add(memory.Allocate(zero: false));
        Assert.Equal(2 * PhysicalMemory.FramesPerChunk, memory.CreatedFrames);

        // The lowest free pfn goes first within a chunk.
        Assert.Equal(Enumerable.Range(1, PhysicalMemory.FramesPerChunk), pfns);
    }

    [Fact]
    public void ExhaustionReturnsMinusOneAndNeverHandsOutTheZeroPage()
    {
        using var memory = new PhysicalMemory(TwoChunks);
        var seen = new HashSet<int>();
        while (true)
        {
            var pfn = memory.Allocate(zero: false);
            if (pfn < 0)
            {
                Assert.Equal(-1, pfn);
                break;
            }

            Assert.NotEqual(PhysicalMemory.ZeroPfn, pfn);
            Assert.True(seen.Add(pfn), $"frame {pfn} handed out twice");
        }

        Assert.Equal(memory.TotalFrames - 1, seen.Count);
        Assert.Equal(seen.Count, memory.FramesInUse);
        Assert.Equal(seen.Count, memory.CountFramesInUseSlow());
        Assert.Equal(-1, memory.Allocate(zero: true));

        // One frame back: exactly that frame can be had again.
        var back = seen.First();
        memory.Put(back);
        Assert.Equal(back, memory.Allocate(zero: true));
        Assert.Equal(-1, memory.Allocate(zero: false));
    }

    [Fact]
    public void ReferencesKeepAFrameUntilTheLastPut()
    {
        using var memory = new PhysicalMemory(TwoChunks);
        var pfn = memory.Allocate(zero: false);
        Assert.Equal(1, memory.Frame(pfn).RefCount);
        memory.Get(pfn);
        memory.Get(pfn);
        memory.Put(pfn);
        memory.Put(pfn);
        Assert.Equal(1, memory.FramesInUse);
        Assert.False(memory.Frame(pfn).Has(PageFlags.Free));
        memory.Put(pfn);
        Assert.Equal(0, memory.FramesInUse);
        Assert.Equal(0, memory.CountFramesInUseSlow());
        Assert.True(memory.Frame(pfn).Has(PageFlags.Free));

        // A put too many is a bug, not an errno.
        Assert.Throws<InvalidOperationException>(() => memory.Put(pfn));
    }

    [Fact]
    public void PutBatchFreesOnlyFramesWhoseLastReferenceGoes()
    {
        using var memory = new PhysicalMemory(TwoChunks);
        var a = memory.Allocate(zero: false);
        var b = memory.Allocate(zero: false);
        var c = memory.Allocate(zero: false);
        memory.Get(b);
        memory.PutBatch([a, b, c]);
        Assert.Equal(1, memory.FramesInUse);
        Assert.Equal(1, memory.CountFramesInUseSlow());
        Assert.True(memory.Frame(a).Has(PageFlags.Free));
        Assert.False(memory.Frame(b).Has(PageFlags.Free));
        Assert.True(memory.Frame(c).Has(PageFlags.Free));
        memory.PutBatch([b]);
        Assert.Equal(0, memory.FramesInUse);
    }

    [Fact]
    public void ZeroedAllocationClearsAReusedDirtyFrame()
    {
        using var memory = new PhysicalMemory(TwoChunks);
        var pfn = memory.Allocate(zero: false);
        memory.Page(pfn).Fill(0xee);
        memory.Put(pfn);
        var again = memory.Allocate(zero: true);
        Assert.Equal(pfn, again);
        Assert.Equal(-1, memory.Page(again).IndexOfAnyExcept((byte)0));
        Assert.Equal(1, memory.Frame(again).RefCount);
        Assert.Equal(0, memory.Frame(again).MapCount);
        Assert.Equal(0, memory.Frame(again).Flags);
        Assert.Null(memory.Frame(again).Mapping);
    }

    [Fact]
    public void FreeingTheZeroPageIsABug()
    {
        using var memory = new PhysicalMemory(TwoChunks);
        var ex = Assert.Throws<InvalidOperationException>(() => memory.Put(PhysicalMemory.ZeroPfn));
        Assert.Contains("zero page", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ZeroPageMappingsTakeNoReferenceAndSurviveEveryUnmap()
    {
        using var b = new MmBuilder();
        b.Map(0, 16, "r");
        b.Map(20, 4, "rw");
        Assert.Equal("00 00 00 00", b.Pattern(20, 4));
        Assert.NotNull(b.TryRead(0, 16));
        var child = b.Fork();
        Assert.NotNull(b.TryRead(0, 16, child));
        Assert.Equal(PhysicalMemory.ZeroPfn, b.PteAt(3).Pfn);
        Assert.Equal(PhysicalMemory.ZeroPfn, b.PteAt(3, child).Pfn);
        Assert.Equal(0, b.Mm.RssAnon);
        Assert.Equal(0, b.DataFrames);

        b.Unmap(0, 24);
        Assert.Equal(0, b.Advise(0, 16, MemoryAdvice.MADV_DONTNEED, child));
        b.AssertInvariants();
        b.ExitAllAndAssertNoFramesInUse();
        ref var zero = ref b.Kernel.Memory.Frame(PhysicalMemory.ZeroPfn);
        Assert.Equal(1, zero.RefCount);
        Assert.Equal(0, zero.MapCount);
        Assert.Equal((int)PageFlags.Reserved, zero.Flags);
    }

    [Fact]
    public void AHugePageIs512ContiguousAlignedFramesFromAWhollyFreeChunk()
    {
        using var memory = new PhysicalMemory(3 * TwoChunks / 2);
        var single = memory.Allocate(zero: false);
        memory.Page(single).Fill(0xee);

        // Chunk 0 holds the zero page and the single frame: the huge page is a chunk of its own.
        var huge = memory.AllocateHuge(zero: true);
        Assert.Equal(PhysicalMemory.FramesPerChunk, huge);
        Assert.Equal(PhysicalMemory.FramesPerChunk + 1, memory.FramesInUse);
        Assert.Equal(memory.FramesInUse, memory.CountFramesInUseSlow());
        for (var i = 0; i < PhysicalMemory.FramesPerChunk; i++)
        {
            Assert.Equal(1, memory.Frame(huge + i).RefCount);
            Assert.Equal(-1, memory.Page(huge + i).IndexOfAnyExcept((byte)0));
        }

        // Contiguous data: one 2 MiB block.
        unsafe
        {
            Assert.Equal((nint)memory.Data(huge) + (511 * 4096), (nint)memory.Data(huge + 511));
        }

        // Single frames keep coming from the open chunk, never from a whole one.
        var next = memory.Allocate(zero: false);
        Assert.Equal(single + 1, next);
        var again = memory.AllocateHuge(zero: false);
        Assert.Equal(2 * PhysicalMemory.FramesPerChunk, again);
        Assert.Equal(-1, memory.AllocateHuge(zero: false));
        Assert.Equal(1, memory.HugeAllocationFailures);
    }

    [Fact]
    public void AHugePagesFramesAreFreedOneByOneAndTheChunkIsWholeAgainWithTheLast()
    {
        using var memory = new PhysicalMemory(TwoChunks);
        var huge = memory.AllocateHuge(zero: false);
        Assert.Equal(-1, memory.AllocateHuge(zero: false));

        // Half of it back: those frames are handed out singly again, and no huge page fits.
        for (var i = 0; i < 256; i++)
        {
            memory.Put(huge + i);
        }

        Assert.Equal(256, memory.FramesInUse);
        var reused = memory.Allocate(zero: false);
        Assert.InRange(reused, huge, huge + 255);
        Assert.Equal(-1, memory.AllocateHuge(zero: false));
        memory.Put(reused);
        memory.PutBatch(Enumerable.Range(huge + 256, 256).ToArray());
        Assert.Equal(0, memory.FramesInUse);
        Assert.Equal(0, memory.CountFramesInUseSlow());
        Assert.Equal(huge, memory.AllocateHuge(zero: false));
    }

    [Fact]
    public void TheHugeZeroPageIsAllocatedOnceOnFirstUseAndNeverCounted()
    {
        using var memory = new PhysicalMemory(TwoChunks);
        var zero = memory.HugeZeroPage();
        Assert.Equal(PhysicalMemory.FramesPerChunk, zero);
        Assert.Equal(zero, memory.HugeZeroPage());
        Assert.True(memory.IsHugeZero(zero));
        Assert.False(memory.IsHugeZero(PhysicalMemory.ZeroPfn));
        Assert.Equal(0, memory.FramesInUse);
        Assert.Equal(0, memory.CountFramesInUseSlow());
        Assert.True(memory.Frame(zero + 7).Has(PageFlags.Reserved));
        Assert.Equal(-1, memory.Page(zero + 300).IndexOfAnyExcept((byte)0));
        Assert.Throws<InvalidOperationException>(() => memory.Put(zero + 3));
    }

    /// <summary>
    /// A pool hands a disposed machine's blocks to the next one, whose frames still start zeroed
    /// and whose huge zero page is zero although the blocks held the last machine's data.
    /// </summary>
    [Fact]
    public void ChunkPool_BlocksGoToTheNextMachine_WhichStillZeroesItsFrames()
    {
        using var pool = new FrameChunkPool();
        var first = new PhysicalMemory(TwoChunks, pool);
        var dirty = new List<int>();
        for (var i = 0; i < (2 * PhysicalMemory.FramesPerChunk) - 1; i++)
        {
            var pfn = first.Allocate(zero: false);
            first.Page(pfn).Fill(0x5a);
            dirty.Add(pfn);
        }

        Assert.Equal(2 * PhysicalMemory.FramesPerChunk, first.CreatedFrames);
        Assert.Equal(0, pool.Count);
        first.Dispose();
        Assert.Equal(2, pool.Count);

        using var second = new PhysicalMemory(TwoChunks, pool);
        Assert.Equal(1, pool.Count);
        Assert.Equal(-1, second.Page(PhysicalMemory.ZeroPfn).IndexOfAnyExcept((byte)0));
        for (var i = 0; i < PhysicalMemory.FramesPerChunk - 1; i++)
        {
            var pfn = second.Allocate(zero: true);
            Assert.Equal(-1, second.Page(pfn).IndexOfAnyExcept((byte)0));
        }

        // The second chunk comes from the pool too; a huge zero page built in it is all zeroes.
        var huge = second.HugeZeroPage();
        Assert.Equal(0, pool.Count);
        for (var i = 0; i < PhysicalMemory.FramesPerChunk; i++)
        {
            Assert.Equal(-1, second.Page(huge + i).IndexOfAnyExcept((byte)0));
        }
    }

    /// <summary>Blocks returned after the pool was disposed are freed, not kept.</summary>
    [Fact]
    public void ChunkPool_Disposed_FreesWhatComesBack()
    {
        var pool = new FrameChunkPool();
        var memory = new PhysicalMemory(TwoChunks, pool);
        pool.Dispose();
        memory.Dispose();
        Assert.Equal(0, pool.Count);
    }
}
