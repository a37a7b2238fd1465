using Madvise.Abi;
using static Madvise.Host.Tests.Batcher.RegionPages;

namespace Madvise.Host.Tests.Batcher;

/// <summary>The owned-memory region: bounds, lifetime, and that advice never leaves it.</summary>
public sealed class MappedRegionTests
{
    [Fact]
    public void AllocateMapsWholePagesAndDisposeUnmapsThem()
    {
        var region = MappedRegion.Allocate((nuint)P + 1);
        var address = region.Address;
        Assert.True(PageSize.IsAligned((ulong)address));
        Assert.Equal((nuint)(2 * P), region.Length);
        region.GetSpan(0, 2 * P).Fill(7);
        Assert.Equal([true, true], Resident(region));

        region.Dispose();

        Assert.True(region.IsClosed);
        var vec = new byte[2];
        Assert.False(HostMemory.TryMincore(address, (nuint)(2 * P), vec, out var errno));
        Assert.Equal(Errno.ENOMEM, errno);
        Assert.Throws<ObjectDisposedException>(() => region.GetSpan(0, 1));
    }

    [Fact]
    public void ContainsIsExactAtBothEndsAndCannotBeFooledByWrapping()
    {
        using var region = Create(4);
        var a = region.Address;
        var n = region.Length;

        Assert.True(region.Contains(a, n));
        Assert.True(region.Contains(a + (nint)n, 0));
        Assert.True(region.Contains(a + P, 3 * (nuint)P));
        Assert.False(region.Contains(a + P, (3 * (nuint)P) + 1));
        Assert.False(region.Contains(a - P, (nuint)P));
        Assert.False(region.Contains(a + (nint)n + 1, 0));
        Assert.False(region.Contains(a + P, nuint.MaxValue));
        Assert.False(region.Contains(-P, 2 * (nuint)P));
    }

    [Fact]
    public void TheWrappingConstructorChecksItsArguments()
    {
        Assert.Throws<ArgumentException>(() => MappedRegion.FromExisting(0, (nuint)P, unmapOnDispose: false));
        Assert.Throws<ArgumentException>(() => MappedRegion.FromExisting(P + 1, (nuint)P, unmapOnDispose: false));
        Assert.Throws<ArgumentException>(() => MappedRegion.FromExisting(P, 0, unmapOnDispose: false));
        Assert.Throws<ArgumentException>(() => MappedRegion.FromExisting(-P, 2 * (nuint)P, unmapOnDispose: false));
    }

    [Fact]
    public void GetSpanStaysInside()
    {
        using var region = Create(2);
        Assert.Equal(P, region.GetSpan((nuint)P, P).Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => region.GetSpan((nuint)P, P + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => region.GetSpan(nuint.MaxValue, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => region.GetSpan(0, -1));
    }

    /// <summary>
    /// <code>
    /// page   0 1 2
    /// owned    R         (a region wrapping only page 1 of a three-page mapping)
    /// </code>
    /// Advice on pages 0 and 2 is refused before the kernel sees it: their data stays.
    /// </summary>
    [Fact]
    public void AdviceOutsideTheRegionIsAnArgumentExceptionAndTouchesNothing()
    {
        using var mapping = Create(3);
        Fill(mapping);
        using var region = MappedRegion.FromExisting(At(mapping, 1), (nuint)P, unmapOnDispose: false);
        var syscalls = new ScriptedSyscalls();
        using var batcher = new AdviceBatcher(region, MemoryAdvice.MADV_DONTNEED, new AdviceBatcherOptions { Syscalls = syscalls });

        Assert.Throws<ArgumentException>(() => region.Advise(At(mapping, 2), (nuint)P, MemoryAdvice.MADV_DONTNEED));
        Assert.Throws<ArgumentException>(() => region.Advise(At(mapping, 0), 2 * (nuint)P, MemoryAdvice.MADV_DONTNEED));
        Assert.Throws<ArgumentException>(() => batcher.Add(At(mapping, 1), 2 * (nuint)P));
        Assert.Throws<ArgumentException>(() => batcher.Add(At(mapping, 0), (nuint)P));
        Assert.Throws<ArgumentException>(() => batcher.Add(At(mapping, 1) + 1, 1));

        Assert.Equal(0, batcher.PendingRanges);
        Assert.Equal(0, batcher.Flush());
        Assert.Equal(0, syscalls.Calls);
        AssertDropped(mapping, Flags(3));

        batcher.Add(At(mapping, 1), (nuint)P);
        Assert.Equal(P, batcher.Flush());
        AssertDropped(mapping, Flags(3, 1));
    }

    [Fact]
    public void AFlushAfterTheRegionIsDisposedMakesNoCallAndKeepsTheRanges()
    {
        var region = Create(2);
        var syscalls = new ScriptedSyscalls();
        using var batcher = new AdviceBatcher(region, MemoryAdvice.MADV_DONTNEED, new AdviceBatcherOptions { Syscalls = syscalls });
        batcher.Add(region.Address, (nuint)P);

        region.Dispose();

        Assert.Throws<ObjectDisposedException>(() => batcher.Flush());
        Assert.Throws<ObjectDisposedException>(() => batcher.Add(region.Address, (nuint)P));
        Assert.Equal(0, syscalls.Calls);
        Assert.Equal(1, batcher.PendingRanges);
    }

    [Fact]
    public void AdviseInsideTheRegionReachesTheKernel()
    {
        using var region = Create(3);
        Fill(region);
        region.Advise(At(region, 1), (nuint)P, MemoryAdvice.MADV_DONTNEED);
        AssertDropped(region, Flags(3, 1));

        var e = Assert.Throws<MadviseException>(() => region.Advise(region.Address, (nuint)P, (MemoryAdvice)999));
        Assert.Equal(Errno.EINVAL, e.Errno);
    }
}
