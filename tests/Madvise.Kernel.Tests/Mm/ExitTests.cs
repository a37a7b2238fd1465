using Madvise.Kernel.Syscalls;
using Madvise.Kernel.Tests.Shared;
using static Madvise.Abi.MemoryAdvice;

namespace Madvise.Kernel.Tests.Mm;

/// <summary>
/// Every frame comes back. Anonymous memory is freed with its last mapping; a file's page cache
/// lives as long as the file is referenced — by an open descriptor or by a mapping — and,
/// since every file of the model is unlinked (the scenario <c>file</c> step unlinks it, a
/// memfd and the shmem file behind MAP_SHARED|MAP_ANONYMOUS have no name), it is freed with the
/// last reference (Linux: fput → iput of an unlinked inode → truncate_inode_pages). So "no frame
/// in use" holds once every task has exited, and a file's pages count until then.
/// </summary>
public sealed class ExitTests
{
    /// <summary>Bytes per page.</summary>
    private const ulong Page = 4096;

    [Fact]
    public void AfterMunmapOfEverythingAndExitOfEveryTaskNoFrameIsInUse()
    {
        using var b = new MmBuilder(KernelConfig.Default with { SwapBytes = 16UL << 20 });
        var fd = b.CreateFile(8 * Page, 0x5a);
        var memfd = b.CreateFile(4 * Page, 0x6b, memfd: true);
        b.Map(0, 8);
        b.Map(10, 4, "rw", "shared");
        b.Map(16, 4, "rw", "private", fd);
        b.Map(20, 4, "rw", "shared", fd, filePage: 4);
        b.Map(26, 4, "rw", "shared", memfd);
        b.Write(0, 8, 1);
        b.Write(10, 4, 2);
        b.Write(16, 2, 3);
        Assert.NotNull(b.TryRead(18, 2));
        b.Write(20, 4, 4);
        b.Write(26, 4, 5);
        var child = b.Fork();
        b.Write(0, 2, 6, child);
        Assert.Equal(0, b.Advise(4, 2, MADV_PAGEOUT));
        b.AssertFrames();

        b.Unmap(0, 32);
        b.Unmap(0, 32, child);
        Assert.Equal(0, b.Mm.Rss);
        b.AssertInvariants();
        b.AssertFrames();
        b.ExitAllAndAssertNoFramesInUse();
        Assert.Equal(0, b.Kernel.Swap!.UsedSlots);
    }

    [Fact]
    public void ExitAloneFreesEverythingTheTaskHeld()
    {
        using var b = new MmBuilder();
        var fd = b.CreateFile(4 * Page, 0x5a);
        b.Map(0, 8, "rw", "private,locked");
        b.Map(8, 4, "rw", "shared");
        b.Map(12, 4, "rw", "shared", fd);
        b.Write(0, 16, 0x11);
        b.ExitAllAndAssertNoFramesInUse();
        Assert.True(b.Task.HasExited);
        Assert.Null(b.Task.Mm);
    }

    [Fact]
    public void FramesSharedWithAChildOutliveTheParent()
    {
        using var b = new MmBuilder();
        b.Map(0, 4);
        b.Write(0, 4, 0x11);
        var child = b.Fork();
        b.Task.Exit();
        Assert.Equal(4, b.DataFrames);
        Assert.Equal("11 11 11 11", b.Pattern(0, 4, child));
        b.AssertFrames();

        // Now the only user, the child writes in place: no copies.
        var frames = b.Kernel.Memory.FramesInUse;
        b.Write(0, 4, 0x22, child);
        Assert.Equal(frames, b.Kernel.Memory.FramesInUse);
        b.AssertFrames();
        b.ExitAllAndAssertNoFramesInUse();
    }

    [Fact]
    public void AFilesPagesCountWhileItIsOpenAndGoWithTheLastClose()
    {
        using var b = new MmBuilder();
        var fd = b.CreateFile(4 * Page, 0x5a);
        Assert.Equal(4, b.Kernel.Memory.FramesInUse);
        var again = Sys.ReopenFile(b.Task, fd, canRead: true, canWrite: false);
        Assert.Equal(0, Sys.Close(b.Task, fd));
        Assert.Equal(4, b.Kernel.Memory.FramesInUse);
        Assert.Equal(0, Sys.Close(b.Task, again));
        Assert.Equal(0, b.Kernel.Memory.FramesInUse);
        Assert.Equal(0, b.Kernel.Memory.CountFramesInUseSlow());

        b.AssertInvariants();
    }

    [Fact]
    public void AMappingKeepsAClosedFilesPages()
    {
        using var b = new MmBuilder();
        var fd = b.CreateFile(4 * Page, 0x5a);
        b.Map(0, 2, "rw", "shared", fd, filePage: 2);
        Assert.Equal(0, Sys.Close(b.Task, fd));
        Assert.Equal(4, b.Kernel.Memory.FramesInUse);
        b.Write(0, 1, 0x11);
        Assert.Equal("11 5a", b.Pattern(0, 2));

        // Splitting and unmapping one piece keeps the file; the last piece releases it.
        Assert.Equal(0, b.Protect(0, 1, "r"));
        b.Unmap(0, 1);
        Assert.Equal(4, b.DataFrames);
        b.Unmap(1, 1);
        Assert.Equal(0, b.Kernel.Memory.FramesInUse);
        Assert.Equal(0, b.Kernel.Memory.CountFramesInUseSlow());

        b.AssertInvariants();
    }

    [Fact]
    public void SharedAnonymousMemoryGoesWithItsLastMapping()
    {
        using var b = new MmBuilder();
        b.Map(0, 4, "rw", "shared");
        b.Write(0, 4, 0x11);
        var child = b.Fork();
        b.Unmap(0, 4);
        Assert.Equal(4, b.DataFrames);
        Assert.Equal("11 11 11 11", b.Pattern(0, 4, child));

        // DONTNEED drops the mapping's pages, not the shmem file's.
        Assert.Equal(0, b.Advise(0, 4, MADV_DONTNEED, child));
        Assert.Equal(4, b.DataFrames);
        b.Unmap(0, 4, child);
        Assert.Equal(0, b.Kernel.Memory.FramesInUse);
        Assert.Equal(0, b.Kernel.Memory.CountFramesInUseSlow());

        b.AssertInvariants();
    }

    [Fact]
    public void ADescriptorInheritedByForkKeepsTheFileUntilBothAreClosed()
    {
        using var b = new MmBuilder();
        b.CreateFile(2 * Page, 0x5a, memfd: true);
        var child = b.Fork();
        b.Task.Exit();
        Assert.Equal(2, b.Kernel.Memory.FramesInUse);
        child.Exit();
        Assert.Equal(0, b.Kernel.Memory.FramesInUse);

        b.AssertInvariants();
    }

    [Fact]
    public void TheMmOutlivesTheTaskWhileAnotherUserHoldsIt()
    {
        using var b = new MmBuilder();
        b.Map(0, 2);
        b.Write(0, 2, 0x11);
        var mm = b.Mm;
        Assert.True(mm.TryGet());
        b.Task.Exit();
        Assert.False(mm.IsDead);
        Assert.Equal(2, b.DataFrames);
        mm.Put();
        Assert.True(mm.IsDead);
        Assert.False(mm.TryGet());
        Assert.Equal(0, b.Kernel.Memory.FramesInUse);

        b.AssertInvariants();
    }
}
