using Madvise.Host.Tests.Shared;
using Madvise.Abi;
using static Madvise.Host.Tests.Batcher.RegionPages;

namespace Madvise.Host.Tests.Batcher;

/// <summary>The batcher on the real kernel: what it drops, how it merges, how it splits into calls.</summary>
public sealed class AdviceBatcherTests
{
    /// <summary>
    /// <code>
    /// page    0123456789ab
    /// adds     AA   CC   E      added in the order E, C, A, B, D, D
    ///           BB   DD
    /// dropped  XXX  XXX  X
    /// </code>
    /// </summary>
    [ProcessMadviseFact]
    public void DontNeedDropsExactlyTheUnionOfTheAddsInOneCall()
    {
        using var region = Create(16);
        Fill(region);
        var syscalls = new ScriptedSyscalls();
        using var batcher = new AdviceBatcher(region, MemoryAdvice.MADV_DONTNEED, new AdviceBatcherOptions { Syscalls = syscalls });

        batcher.Add(At(region, 11), (nuint)P);
        batcher.Add(At(region, 6), 2 * (nuint)P);
        batcher.Add(At(region, 1), 2 * (nuint)P);
        batcher.Add(At(region, 2), (2 * (nuint)P) - 100);
        batcher.Add(At(region, 7), (nuint)P + 1);
        batcher.Add(At(region, 7), (nuint)P);
        var advised = batcher.Flush();

        Assert.Equal(7 * P, advised);
        Assert.Equal(0, batcher.PendingRanges);
        Assert.True(batcher.UsesProcessMadvise);
        var call = Assert.Single(syscalls.ProcessMadviseCalls);
        IoVec[] expected = [new((ulong)At(region, 1), 3 * (ulong)P), new((ulong)At(region, 6), 3 * (ulong)P), new((ulong)At(region, 11), (ulong)P)];
        Assert.Equal(expected, call.Vector);
        Assert.Empty(syscalls.MadviseCalls);
        Assert.Equal(1, batcher.SystemCalls);
        AssertDropped(region, Flags(16, 1, 2, 3, 6, 7, 8, 11));
    }

    [ProcessMadviseFact]
    public void AscendingAdjacentAddsMergeAsTheyComeAndGoOutAsOneRange()
    {
        const int Pages = 256;
        using var region = Create(Pages);
        Fill(region);
        var syscalls = new ScriptedSyscalls();
        using var batcher = new AdviceBatcher(region, MemoryAdvice.MADV_DONTNEED, new AdviceBatcherOptions { Syscalls = syscalls });

        for (var page = 0; page < Pages; page++)
        {
            batcher.Add(At(region, page), (nuint)P);
        }

        Assert.Equal(1, batcher.PendingRanges);
        Assert.Equal(Pages * P, batcher.Flush());
        var call = Assert.Single(syscalls.ProcessMadviseCalls);
        Assert.Equal(new[] { new IoVec((ulong)region.Address, (ulong)(Pages * P)) }, call.Vector);
        AssertDropped(region, Enumerable.Repeat(true, Pages).ToArray());
    }

    [ProcessMadviseFact]
    public void SeparateRangesGoOutInVectorsOfIovMax()
    {
        const int Pages = 4000;
        using var region = Create(Pages);
        Fill(region);
        var syscalls = new ScriptedSyscalls();
        using var batcher = new AdviceBatcher(region, MemoryAdvice.MADV_DONTNEED, new AdviceBatcherOptions { Syscalls = syscalls });

        // Descending, so the batcher has to sort.
        var dropped = new bool[Pages];
        for (var page = Pages - 2; page >= 0; page -= 2)
        {
            batcher.Add(At(region, page), (nuint)P);
            dropped[page] = true;
        }

        Assert.Equal(Pages / 2 * P, batcher.Flush());
        Assert.Equal(new[] { 1024, 976 }, syscalls.ProcessMadviseCalls.Select(c => c.Vector.Length).ToArray());
        Assert.Equal(2, batcher.SystemCalls);
        AssertDropped(region, dropped);
    }

    [ProcessMadviseFact]
    public void TheRangeCapBoundsEveryVector()
    {
        using var region = Create(20);
        Fill(region);
        var syscalls = new ScriptedSyscalls();
        using var batcher = new AdviceBatcher(region, MemoryAdvice.MADV_DONTNEED, new AdviceBatcherOptions { Syscalls = syscalls, MaxRangesPerCall = 3 });
        for (var page = 0; page < 20; page += 2)
        {
            batcher.Add(At(region, page), (nuint)P);
        }

        batcher.Flush();

        Assert.Equal(new[] { 3, 3, 3, 1 }, syscalls.ProcessMadviseCalls.Select(c => c.Vector.Length).ToArray());
        AssertDropped(region, Flags(20, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18));
    }

    /// <summary>
    /// <code>
    /// page    0123456789abcdef
    /// adds    A BB CCC DDDDDDDD     byte cap: 4 pages
    /// calls   1 11 222 3333        (D is split)
    ///                      4444
    /// </code>
    /// </summary>
    [ProcessMadviseFact]
    public void TheByteCapBoundsEveryCallAndSplitsLargeRanges()
    {
        using var region = Create(17);
        Fill(region);
        var syscalls = new ScriptedSyscalls();
        var options = new AdviceBatcherOptions { Syscalls = syscalls, MaxBytesPerCall = (nuint)(4 * P) + 100 };
        using var batcher = new AdviceBatcher(region, MemoryAdvice.MADV_DONTNEED, options);
        batcher.Add(At(region, 0), (nuint)P);
        batcher.Add(At(region, 2), 2 * (nuint)P);
        batcher.Add(At(region, 5), 3 * (nuint)P);
        batcher.Add(At(region, 9), 8 * (nuint)P);

        Assert.Equal(14 * P, batcher.Flush());

        (int Page, int Pages)[][] expected = [[(0, 1), (2, 2)], [(5, 3)], [(9, 4)], [(13, 4)]];
        Assert.Equal(expected, syscalls.ProcessMadviseCalls.Select(c => c.Vector.Select(v => (PageOf(region, v.Base), (int)(v.Len / (ulong)P))).ToArray()).ToArray());
        AssertDropped(region, Flags(17, 0, 2, 3, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15, 16));
    }

    [ProcessMadviseFact]
    public void FreeThenWriteKeepsTheNewData()
    {
        using var region = Create(8);
        Fill(region);
        using var batcher = new AdviceBatcher(region, MemoryAdvice.MADV_FREE);
        batcher.Add(region.Address, region.Length);
        Assert.Equal(8 * P, batcher.Flush());

        // A write after FREE cancels the lazy free of that page: the page keeps the new data.
        for (var page = 0; page < 8; page += 2)
        {
            region.GetSpan((nuint)(page * P), P).Fill(0xEE);
        }

        var resident = Resident(region);
        for (var page = 0; page < 8; page++)
        {
            var bytes = region.GetSpan((nuint)(page * P), P);
            if (page % 2 == 0)
            {
                Assert.True(resident[page], $"written page {page} not resident");
                Assert.True(bytes.IndexOfAnyExcept((byte)0xEE) < 0, $"written page {page} lost its data");
            }
            else
            {
                // Unwritten: the old data until reclaim takes the page, then zeros (never a mix).
                var first = bytes[0];
                Assert.True(first == 0 || first == Pattern(page), $"page {page} reads 0x{first:x2}");
                Assert.True(bytes.IndexOfAnyExcept(first) < 0, $"page {page} is partly reclaimed");
            }
        }
    }

    [ProcessMadviseFact]
    public void ZeroLengthAddsAndClearAddNothing()
    {
        using var region = Create(4);
        Fill(region);
        var syscalls = new ScriptedSyscalls();
        using var batcher = new AdviceBatcher(region, MemoryAdvice.MADV_DONTNEED, new AdviceBatcherOptions { Syscalls = syscalls });

        batcher.Add(At(region, 1), 0);
        batcher.Add(region.Address + (nint)region.Length, 0);
        Assert.Equal(0, batcher.PendingRanges);
        batcher.Add(At(region, 3), (nuint)P);
        batcher.Add(At(region, 1), (nuint)P);
        Assert.Equal(2, batcher.PendingRanges);
        batcher.Clear();

        Assert.Equal(0, batcher.Flush());
        Assert.Equal(0, syscalls.Calls);
        AssertDropped(region, Flags(4));
    }

    [Fact]
    public void OptionsOutOfRangeAreRefused()
    {
        using var region = Create(1);
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdviceBatcher(region, MemoryAdvice.MADV_DONTNEED, new AdviceBatcherOptions { MaxRangesPerCall = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdviceBatcher(region, MemoryAdvice.MADV_DONTNEED, new AdviceBatcherOptions { MaxRangesPerCall = IoVec.UIO_MAXIOV + 1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdviceBatcher(region, MemoryAdvice.MADV_DONTNEED, new AdviceBatcherOptions { MaxBytesPerCall = (nuint)P - 1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdviceBatcher(region, MemoryAdvice.MADV_DONTNEED, new AdviceBatcherOptions { MaxTransientRetries = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdviceBatcher(region, MemoryAdvice.MADV_DONTNEED, new AdviceBatcherOptions { InitialCapacity = 0 }));
    }

    [Fact]
    public void ADisposedBatcherRefusesWork()
    {
        using var region = Create(1);
        var batcher = new AdviceBatcher(region, MemoryAdvice.MADV_DONTNEED);
        batcher.Add(region.Address, (nuint)P);
        batcher.Dispose();
        batcher.Dispose();

        Assert.Throws<ObjectDisposedException>(() => batcher.Add(region.Address, (nuint)P));
        Assert.Throws<ObjectDisposedException>(() => batcher.Flush());
        Assert.False(region.IsClosed);
    }

    /// <summary>Adds and flushes draw nothing from the GC once the range array has grown (real kernel, no hooks).</summary>
    [ProcessMadviseFact]
    public void AddAndFlushAllocateNothingInTheSteadyState()
    {
        const int Pages = 256;
        using var region = Create(Pages);
        using var batcher = new AdviceBatcher(region, MemoryAdvice.MADV_DONTNEED, new AdviceBatcherOptions { MaxRangesPerCall = 16 });

        void Round()
        {
            // Descending every other page (sort, no merge), then a run of adjacent pages (merge).
            for (var page = Pages - 2; page >= 0; page -= 2)
            {
                batcher.Add(At(region, page), (nuint)P);
            }

            batcher.Flush();
            for (var page = 0; page < Pages; page++)
            {
                batcher.Add(At(region, page), (nuint)P);
            }

            batcher.Flush();
        }

        for (var i = 0; i < 3; i++)
        {
            Round();
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10; i++)
        {
            Round();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>
    /// The README's example, on the real kernel: every other page of 16 MiB, capped at 64 ranges
    /// per call, is 32 process_madvise calls that drop exactly those pages. (The region comes from
    /// <see cref="RegionPages.Create"/> rather than Allocate so that THP cannot make a 2 MiB unit.)
    /// </summary>
    [ProcessMadviseFact]
    public void ReadmeExample()
    {
        using var region = Create(4096);
        Fill(region);
        using var batcher = new AdviceBatcher(region, MemoryAdvice.MADV_DONTNEED,
            new AdviceBatcherOptions { MaxRangesPerCall = 64 });
        for (nint offset = 0; offset < 16 << 20; offset += 2 * 4096)
        {
            batcher.Add(region.Address + offset, 4096);
        }

        var advised = batcher.Flush();

        Assert.Equal(8L << 20, advised);
        Assert.Equal(32, batcher.SystemCalls);
        var dropped = new bool[4096];
        for (var page = 0; page < dropped.Length; page += 2)
        {
            dropped[page] = true;
        }

        AssertDropped(region, dropped);
    }
}
