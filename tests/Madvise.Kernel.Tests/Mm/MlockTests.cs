using Madvise.Abi;
using Madvise.Kernel.Mm.Physical;
using Madvise.Kernel.Mm.Vmas;
using Madvise.Kernel.Tests.Shared;

namespace Madvise.Kernel.Tests.Mm;

/// <summary>
/// mlock(2)/munlock(2) (Linux: mm/mlock.c): VM_LOCKED splits and merges, locked_vm counts each
/// locked page once, locked pages are populated and stay out of reclaim, and the invariant
/// check recomputes locked_vm from the VMAs after every step.
/// </summary>
public sealed class MlockTests
{
    [Fact]
    public void LockedVmCountsEachLockedPageOnce()
    {
        using var b = new MmBuilder();
        b.Map(0, 8);
        Assert.Equal(0, b.Lock(0, 4));
        Assert.Equal("AAAABBBB", b.Layout(8));
        Assert.Equal(4, b.Mm.LockedVm);
        Assert.Equal("11110000", b.Mincore(0, 8));

        // Locking an overlapping range adds only the new pages; the locked pieces merge.
        Assert.Equal(0, b.Lock(2, 4));
        Assert.Equal(6, b.Mm.LockedVm);
        Assert.Equal("AAAAAABB", b.Layout(8));
        Assert.Equal("0-6 rw-p lo; 6-8 rw-p", b.Describe(8));

        Assert.Equal(0, b.Unlock(0, 2));
        Assert.Equal(4, b.Mm.LockedVm);
        Assert.Equal("AABBBBCC", b.Layout(8));

        // Unlocking what is not locked changes nothing.
        Assert.Equal(0, b.Unlock(0, 2));
        Assert.Equal(4, b.Mm.LockedVm);

        // munmap of locked pages takes them off the count.
        b.Unmap(3, 2);
        Assert.Equal(2, b.Mm.LockedVm);
        b.AssertInvariants();

        //   01234567
        //   AAB  CDD     B and C locked
        Assert.Equal("AAB  CDD", b.Layout(8));

        // munlock over the hole unlocks (and merges) up to it, then fails.
        MmBuilder.Expect(-Errno.ENOMEM, b.Unlock(0, 8), "munlock over a hole");
        Assert.Equal(1, b.Mm.LockedVm);
        Assert.Equal("AAA  BC", b.Layout(7));
        Assert.Equal(0, b.Unlock(5, 3));
        Assert.Equal(0, b.Mm.LockedVm);
        Assert.Equal("AAA  BBB", b.Layout(8));
        b.AssertInvariants();
    }

    [Fact]
    public void MapLockedCountsAndPopulates()
    {
        using var b = new MmBuilder();
        b.Map(0, 3, "rw", "private,locked");
        Assert.Equal(3, b.Mm.LockedVm);
        Assert.Equal("111", b.Mincore(0, 3));
        Assert.Equal(3, b.Mm.RssAnon);
        Assert.True(b.FlagsAt(0).HasFlag(VmFlags.VM_LOCKED));
        b.AssertInvariants();
        b.AssertFrames();
    }

    [Fact]
    public void AnUnalignedStartIsRoundedDown()
    {
        using var b = new MmBuilder();
        b.Map(0, 4);
        Assert.Equal(0, Syscalls.Sys.Mlock(b.Task, MmBuilder.Addr(1) + 1, 4096));
        Assert.Equal(2, b.Mm.LockedVm);
        Assert.Equal("ABBC", b.Layout(4));

        b.AssertInvariants();
    }

    [Fact]
    public void AHoleStopsTheWalkAfterLockingWhatCameBeforeWithoutPopulating()
    {
        using var b = new MmBuilder();
        b.Map(0, 2);
        b.Map(3, 2);
        MmBuilder.Expect(-Errno.ENOMEM, b.Lock(0, 5), "mlock over a hole");
        Assert.Equal(2, b.Mm.LockedVm);
        Assert.Equal("0-2 rw-p lo; 3-5 rw-p", b.Describe(5));
        Assert.Equal("00", b.Mincore(0, 2));

        // Starting in the hole: nothing at all.
        MmBuilder.Expect(-Errno.ENOMEM, b.Lock(2, 3), "mlock starting in a hole");
        Assert.Equal(2, b.Mm.LockedVm);
        b.AssertInvariants();
    }

    [Fact]
    public void LockingProtNoneMemorySetsTheFlagButCannotPopulate()
    {
        using var b = new MmBuilder();
        b.Map(0, 2, "none");
        MmBuilder.Expect(-Errno.ENOMEM, b.Lock(0, 2), "mlock of PROT_NONE");
        Assert.Equal(2, b.Mm.LockedVm);
        Assert.True(b.FlagsAt(0).HasFlag(VmFlags.VM_LOCKED));
        b.AssertInvariants();
    }

    [Fact]
    public void LockedPagesStayOutOfReclaimUntilUnlocked()
    {
        using var b = new MmBuilder(KernelConfig.Default with { SwapBytes = 16UL << 20 });
        b.Map(0, 4);
        b.Write(0, 4, 0x11);
        Assert.Equal(0, b.Lock(0, 2));
        Assert.True(b.Kernel.Memory.Frame(b.PteAt(0).Pfn).Has(PageFlags.Mlocked));
        Assert.False(b.Kernel.Memory.Frame(b.PteAt(2).Pfn).Has(PageFlags.Mlocked));

        Assert.Equal(2, b.Kernel.Reclaim());
        Assert.True(b.PteAt(0).IsPresent);
        Assert.True(b.PteAt(2).IsSwap);

        Assert.Equal(0, b.Unlock(0, 4));
        Assert.False(b.Kernel.Memory.Frame(b.PteAt(0).Pfn).Has(PageFlags.Mlocked));
        Assert.Equal(2, b.Kernel.Reclaim());
        Assert.Equal(0, b.DataFrames);
        Assert.Equal("11 11 11 11", b.Pattern(0, 4));
        b.AssertInvariants();
        b.AssertFrames();
    }

    [Fact]
    public void MprotectKeepsTheLockAndMakingLockedMemoryWritableBreaksCopyOnWriteAtOnce()
    {
        using var b = new MmBuilder();
        b.Map(0, 4, "r", "private,locked");
        Assert.Equal(4, b.Mm.LockedVm);
        Assert.Equal(0, b.Mm.RssAnon);

        // r -> rw of a locked private VMA faults every page for writing now.
        Assert.Equal(0, b.Protect(0, 4, "rw"));
        Assert.Equal(4, b.Mm.LockedVm);
        Assert.Equal(4, b.Mm.RssAnon);
        Assert.True(b.PteAt(3).Writable);
        Assert.Equal(0, b.Protect(0, 2, "r"));
        Assert.Equal(4, b.Mm.LockedVm);
        Assert.Equal("0-2 r--p lo; 2-4 rw-p lo", b.Describe(4));
        b.AssertInvariants();
        b.AssertFrames();
    }

    [Fact]
    public void UnmappingALockedMappingUnlocksPagesAnotherProcessStillMaps()
    {
        // Verified on Linux 6.18 (scnhost.py): the same steps end with mincore 0000.
        using var b = new MmBuilder();
        var fd = b.CreateFile(4 * 4096, 0x5a);
        var other = b.CreateProcess();
        var otherFd = other.Files.Install(b.Task.Files.Get(fd)!);
        b.Map(8, 4, "r", "shared,locked", otherFd, task: other);
        b.Map(0, 4, "r", "shared", fd);
        Assert.Equal("5a 5a 5a 5a", b.Pattern(0, 4));

        // Mapped by two processes: PAGEOUT leaves shared pages alone.
        Assert.Equal(0, b.Advise(0, 4, MemoryAdvice.MADV_PAGEOUT));
        Assert.Equal("1111", b.Mincore(0, 4));

        // The locked mapping goes: the pages are evictable again and only this process maps them.
        b.Unmap(8, 4, other);
        Assert.False(b.Kernel.Memory.Frame(b.PteAt(0).Pfn).Has(PageFlags.Mlocked));
        Assert.Equal(0, b.Advise(0, 4, MemoryAdvice.MADV_PAGEOUT));
        Assert.Equal("0000", b.Mincore(0, 4));
        b.AssertInvariants();
        b.AssertFrames();
    }

    [Fact]
    public void EachProcessesLockCountsUntilItsOwnMunlock()
    {
        using var b = new MmBuilder();
        var fd = b.CreateFile(2 * 4096, 0x5a);
        var other = b.CreateProcess();
        var otherFd = other.Files.Install(b.Task.Files.Get(fd)!);
        b.Map(0, 2, "r", "shared,locked", fd);
        b.Map(0, 2, "r", "shared,locked", otherFd, task: other);
        Assert.Equal(0, b.Unlock(0, 2, other));

        // Still locked by this process: memory pressure may not take the pages.
        Assert.True(b.Kernel.Memory.Frame(b.PteAt(0).Pfn).Has(PageFlags.Mlocked));
        Assert.Equal(0, b.Kernel.Reclaim());
        Assert.True(b.PteAt(0).IsPresent);
        b.AssertFrames();

        Assert.Equal(0, b.Unlock(0, 2));
        Assert.Equal(2, b.Kernel.Reclaim());
        Assert.Equal("00", b.Mincore(0, 2));
        b.AssertInvariants();
        b.AssertFrames();
    }

    [Fact]
    public void CopyOnWriteInALockedVmaUnlocksTheFrameLeftToTheChild()
    {
        using var b = new MmBuilder(KernelConfig.Default with { SwapBytes = 16UL << 20 });
        b.Map(0, 1, "rw", "private,locked");
        b.Write(0, 1, 0x11);
        var child = b.Fork();
        var shared = b.PteAt(0).Pfn;
        b.Write(0, 1, 0x22);
        Assert.NotEqual(shared, b.PteAt(0).Pfn);

        // The old frame is now mapped only by the child, whose VMA is not locked.
        Assert.False(b.Kernel.Memory.Frame(shared).Has(PageFlags.Mlocked));
        Assert.Equal(1, b.Kernel.Reclaim());
        Assert.True(b.PteAt(0, child).IsSwap);
        Assert.True(b.PteAt(0).IsPresent);
        Assert.Equal("11", b.Pattern(0, 1, child));
        Assert.Equal("22", b.Pattern(0, 1));
        b.AssertInvariants();
        b.AssertFrames();
    }

    [Fact]
    public void ForkDoesNotInheritTheLock()
    {
        using var b = new MmBuilder();
        b.Map(0, 2, "rw", "private,locked");
        b.Write(0, 2, 0x11);
        var child = b.Fork();
        Assert.Equal(0, b.MmOf(child).LockedVm);
        Assert.False(b.FlagsAt(0, child).HasFlag(VmFlags.VM_LOCKED));
        Assert.Equal("11", b.Mincore(0, 2, child));
        Assert.Equal("11 11", b.Pattern(0, 2, child));
        Assert.Equal(2, b.Mm.LockedVm);
        b.AssertInvariants();
    }
}
