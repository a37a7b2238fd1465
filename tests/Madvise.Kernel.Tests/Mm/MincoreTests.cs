using Madvise.Abi;
using Madvise.Kernel.Syscalls;
using Madvise.Kernel.Tests.Shared;
using static Madvise.Abi.MemoryAdvice;

namespace Madvise.Kernel.Tests.Mm;

/// <summary>mincore(2) (Linux: mm/mincore.c): residency of anonymous, file and swapped pages, holes and argument checks.</summary>
public sealed class MincoreTests
{
    [Fact]
    public void AnonymousPagesAreResidentOnceTouched()
    {
        using var b = new MmBuilder();
        b.Map(0, 4);
        Assert.Equal("0000", b.Mincore(0, 4));
        Assert.NotNull(b.TryRead(1, 1));
        b.Write(2, 1, 0x11);
        Assert.Equal("0110", b.Mincore(0, 4));
        Assert.Equal(0, b.Advise(0, 4, MADV_DONTNEED));
        Assert.Equal("0000", b.Mincore(0, 4));

        b.AssertInvariants();
    }

    [Fact]
    public void ProtNoneMemoryIsAVmaAndReportsItsPages()
    {
        using var b = new MmBuilder();
        b.Map(0, 2);
        b.Write(0, 1, 0x11);
        Assert.Equal(0, b.Protect(0, 2, "none"));
        Assert.Equal("10", b.Mincore(0, 2));

        b.AssertInvariants();
    }

    [Fact]
    public void AHoleIsEnomemAfterFillingThePagesBeforeIt()
    {
        using var b = new MmBuilder();
        b.Map(0, 2, "rw", "private,populate");
        b.Map(3, 1);
        var vec = new byte[4];
        vec.AsSpan().Fill(0xee);
        MmBuilder.Expect(-Errno.ENOMEM, Sys.Mincore(b.Task, MmBuilder.Addr(0), 4 * 4096UL, vec), "mincore over a hole");
        Assert.Equal([1, 1, 0xee, 0xee], vec);
        Assert.Equal("-ENOMEM", b.Mincore(2, 2));

        b.AssertInvariants();
    }

    [Fact]
    public void ArgumentsAreCheckedFirst()
    {
        using var b = new MmBuilder();
        b.Map(0, 2);
        var vec = new byte[2];
        MmBuilder.Expect(-Errno.EINVAL, Sys.Mincore(b.Task, MmBuilder.Addr(0) + 1, 4096, vec), "unaligned start");
        MmBuilder.Expect(-Errno.ENOMEM, Sys.Mincore(b.Task, PageSize.TASK_SIZE - 4096, 8192, vec), "range past the user limit");
        MmBuilder.Expect(-Errno.EFAULT, Sys.Mincore(b.Task, MmBuilder.Addr(0), 8192, vec.AsSpan(0, 1)), "vector too short");
        Assert.Equal(0, Sys.Mincore(b.Task, MmBuilder.Addr(0), 0, vec));

        // An unaligned length counts the partial page.
        Assert.Equal(0, Sys.Mincore(b.Task, MmBuilder.Addr(0), 4097, vec));

        b.AssertInvariants();
    }

    [Fact]
    public void AShortVectorIsFilledThenFaultsUnlessAHoleComesFirst()
    {
        using var b = new MmBuilder();
        b.Map(0, 3, "rw", "private,populate");
        b.Map(4, 2);
        var vec = new byte[4];

        // The writable part of the vector ends after 2 bytes: the first batch (pages 0-2, one
        // VMA) is copied up to there and the copy faults.
        vec.AsSpan().Fill(0xee);
        MmBuilder.Expect(-Errno.EFAULT, Sys.Mincore(b.Task, MmBuilder.Addr(0), 6 * 4096UL, vec.AsSpan(0, 2)), "short vector");
        Assert.Equal([1, 1, 0xee, 0xee], vec);

        // A hole met before the vector runs out wins: the batch of pages 0-2 fits, page 3 is a hole.
        vec.AsSpan().Fill(0xee);
        MmBuilder.Expect(-Errno.ENOMEM, Sys.Mincore(b.Task, MmBuilder.Addr(0), 6 * 4096UL, vec.AsSpan(0, 3)), "hole first");
        Assert.Equal([1, 1, 1, 0xee], vec);

        b.AssertInvariants();
    }

    [Fact]
    public void LongRangesAreWalkedInBatchesAndAHoleFarInIsFound()
    {
        using var b = new MmBuilder();
        const int pages = 3 * 4096;
        b.Map(0, pages, "none", "private,noreserve");
        b.Unmap(pages - 1, 1);
        Assert.Equal(0, b.Protect(5000, 1, "rw"));
        b.Write(5000, 1, 0x11);
        var vec = new byte[pages];
        vec.AsSpan().Fill(0xee);
        MmBuilder.Expect(-Errno.ENOMEM, Sys.Mincore(b.Task, MmBuilder.Addr(0), (ulong)pages * 4096, vec), "hole in the last batch");
        Assert.Equal(0xee, vec[pages - 1]);
        Assert.Equal(1, vec[5000]);
        Assert.Equal(pages - 2, vec.Count(x => x == 0));

        Assert.Equal(0, Sys.Mincore(b.Task, MmBuilder.Addr(0), (ulong)(pages - 1) * 4096, vec));
        Assert.Equal([5000], Enumerable.Range(0, pages - 1).Where(i => vec[i] != 0));

        b.AssertInvariants();
    }

    [Fact]
    public void FileMappingsReportThePageCacheWhetherMappedOrNot()
    {
        using var b = new MmBuilder();
        var fd = b.CreateFile(4 * 4096, 0x5a);
        b.Map(0, 4, "r", "shared", fd);
        Assert.Equal("1111", b.Mincore(0, 4));
        Assert.True(b.PteAt(0).IsNone);

        // Clean page cache pages go under memory pressure.
        Assert.Equal(4, b.Kernel.Reclaim());
        Assert.Equal("0000", b.Mincore(0, 4));
        Assert.Equal("5a 5a 5a 5a", b.Pattern(0, 4));
        Assert.Equal("1111", b.Mincore(0, 4));
        b.AssertFrames();

        b.AssertInvariants();
    }

    [Fact]
    public void SwappedPagesAreNotResident()
    {
        using var b = new MmBuilder(KernelConfig.Default with { SwapBytes = 16UL << 20 });
        b.Map(0, 2);
        b.Write(0, 2, 0x11);
        Assert.Equal(0, b.Advise(0, 1, MADV_PAGEOUT));
        Assert.True(b.PteAt(0).IsSwap);
        Assert.Equal("01", b.Mincore(0, 2));

        b.AssertInvariants();
    }
}
