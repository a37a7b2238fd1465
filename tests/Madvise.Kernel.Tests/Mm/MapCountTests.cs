using Madvise.Abi;
using Madvise.Kernel.Mm.Vmas;
using Madvise.Kernel.Tests.Shared;
using static Madvise.Abi.MemoryAdvice;

namespace Madvise.Kernel.Tests.Mm;

/// <summary>
/// vm.max_map_count (Linux: mm/mmap.c do_mmap(), mm/vma.c split_vma() and
/// vms_gather_munmap_vmas()): mmap refuses once the count is above the limit, a split by
/// mprotect, mlock or madvise refuses at the limit, and munmap may go one above it while it
/// works, so that it can always free an edge.
/// </summary>
public sealed class MapCountTests
{
    /// <summary>vm.max_map_count of these tests: small, so that the limit is reached in a few steps.</summary>
    private const int Limit = 6;

    /// <summary>A builder whose limit is <see cref="Limit"/>, holding <paramref name="vmas"/> separate two-page VMAs at pages 0, 3, 6, ...</summary>
    private static MmBuilder WithVmas(int vmas)
    {
        var b = new MmBuilder(KernelConfig.Default with { MaxMapCount = Limit });
        for (var i = 0; i < vmas; i++)
        {
            b.Map(3 * i, 2);
        }

        Assert.Equal(vmas, b.Mm.MapCount);
        return b;
    }

    [Fact]
    public void MmapRefusesOnlyOnceTheCountIsAboveTheLimit()
    {
        // do_mmap() tests map_count > max_map_count, so the limit itself can be passed by one.
        using var b = WithVmas(Limit);
        b.Map(3 * Limit, 2);
        Assert.Equal(Limit + 1, b.Mm.MapCount);
        MmBuilder.Expect(-Errno.ENOMEM, b.TryMap(3 * (Limit + 1), 2), "mmap above the limit");

        // A mapping that merges still counts as a new request and is refused.
        MmBuilder.Expect(-Errno.ENOMEM, b.TryMap(2, 1), "mmap that would merge");
        b.AssertInvariants();
    }

    [Fact]
    public void SplitsRefuseAtTheLimit()
    {
        using var b = WithVmas(Limit);
        MmBuilder.Expect(-Errno.ENOMEM, b.Protect(0, 1, "r"), "mprotect split");
        MmBuilder.Expect(-Errno.ENOMEM, b.Lock(0, 1), "mlock split");
        MmBuilder.Expect(-Errno.EAGAIN, b.Advise(0, 1, MADV_DONTFORK), "madvise split");
        Assert.Equal("AA BB CC DD EE FF", b.Layout(17));

        // Changing a whole VMA needs no split.
        Assert.Equal(0, b.Protect(0, 2, "r"));
        Assert.Equal(Limit, b.Mm.MapCount);
        b.AssertInvariants();
    }

    [Fact]
    public void MunmapOfAnEdgeWorksAtTheLimit()
    {
        // The split goes one above the limit, the unmap comes back to it.
        using var b = WithVmas(Limit);
        Assert.Equal(0, b.TryUnmap(1, 1));
        Assert.Equal(0, b.TryUnmap(3, 1));
        Assert.Equal("A   B CC DD EE FF", b.Layout(17));
        Assert.Equal(Limit, b.Mm.MapCount);
        b.AssertInvariants();
    }

    [Fact]
    public void MunmapOfAMiddleWorksBelowTheLimitAndRefusesAtIt()
    {
        using var b = new MmBuilder(KernelConfig.Default with { MaxMapCount = Limit });
        b.Map(0, 3);
        for (var i = 1; i < Limit - 1; i++)
        {
            b.Map(4 * i, 2);
        }

        // Limit - 1 VMAs: cutting the middle out of the first leaves Limit.
        Assert.Equal(Limit - 1, b.Mm.MapCount);
        Assert.Equal(0, b.TryUnmap(1, 1));
        Assert.Equal(Limit, b.Mm.MapCount);
        Assert.Equal("A B", b.Layout(3));

        // At the limit the same cut would end above it: refused, nothing changed.
        b.Map(30, 3);
        Assert.Equal(Limit + 1, b.Mm.MapCount);
        MmBuilder.Expect(-Errno.ENOMEM, b.TryUnmap(31, 1), "munmap of a middle above the limit");
        Assert.Equal(Limit + 1, b.Mm.MapCount);
        b.AssertInvariants();
    }

    [Fact]
    public void MapFixedIntoTheMiddleOfAVmaAtTheLimitIsRefused()
    {
        using var b = new MmBuilder(KernelConfig.Default with { MaxMapCount = Limit });
        b.Map(0, 3);
        for (var i = 1; i < Limit; i++)
        {
            b.Map(4 * i, 2);
        }

        MmBuilder.Expect(-Errno.ENOMEM, b.TryMap(1, 1, "r"), "MAP_FIXED splitting a VMA at the limit");
        Assert.Equal("AAA", b.Layout(3));
        b.AssertInvariants();
    }
}
