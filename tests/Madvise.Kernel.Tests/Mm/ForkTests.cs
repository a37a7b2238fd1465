using Madvise.Abi;
using Madvise.Kernel.Tests.Shared;
using static Madvise.Abi.MemoryAdvice;

namespace Madvise.Kernel.Tests.Mm;

/// <summary>
/// fork(2)'s copy of the address space (Linux: kernel/fork.c dup_mmap()): VM_DONTCOPY leaves a
/// hole, VM_WIPEONFORK an empty VMA, VM_LOCKED is dropped, private pages are shared
/// copy-on-write and shared pages stay shared.
/// </summary>
public sealed class ForkTests
{
    [Fact]
    public void TheChildGetsTheSameVmasAndContents()
    {
        using var b = new MmBuilder();
        b.Map(0, 2);
        b.Map(2, 2, "r");
        b.Map(5, 1, "none");
        b.Write(0, 2, 0x11);
        var child = b.Fork();
        Assert.Equal(b.Describe(6), b.Describe(6, child));
        Assert.Equal("11 11 00 00", b.Pattern(0, 4, child));
        Assert.Equal(b.Mm.RssAnon, b.MmOf(child).RssAnon);
        b.AssertInvariants();
        b.AssertFrames();
    }

    [Fact]
    public void DontForkLeavesAHoleInTheChild()
    {
        using var b = new MmBuilder();
        b.Map(0, 6);
        b.Write(0, 6, 0x11);
        Assert.Equal(0, b.Advise(2, 2, MADV_DONTFORK));
        //   012345
        //   AABBCC   parent: B is VM_DONTCOPY
        Assert.Equal("AABBCC", b.Layout(6));
        var child = b.Fork();
        //   AA  BB   child
        Assert.Equal("AA  BB", b.Layout(6, child));
        Assert.Equal("11 11 -- -- 11 11", b.Pattern(0, 6, child));
        Assert.Equal(4, b.MmOf(child).RssAnon);
        b.AssertInvariants();
        b.AssertFrames();
    }

    [Fact]
    public void WipeOnForkGivesTheChildTheVmaWithNothingInIt()
    {
        using var b = new MmBuilder();
        b.Map(0, 4);
        b.Write(0, 4, 0x11);
        Assert.Equal(0, b.Advise(0, 2, MADV_WIPEONFORK));
        var child = b.Fork();
        Assert.Equal(b.Describe(4), b.Describe(4, child));
        Assert.Equal("0-2 rw-p wf; 2-4 rw-p", b.Describe(4, child));
        Assert.True(b.PteAt(0, child).IsNone);
        Assert.Equal("00 00 11 11", b.Pattern(0, 4, child));
        Assert.Equal("11 11 11 11", b.Pattern(0, 4));

        // The wiped pages share nothing with the parent.
        b.Write(0, 1, 0x22, child);
        Assert.Equal("11", b.Pattern(0, 1));
        b.AssertInvariants();
        b.AssertFrames();
    }

    [Fact]
    public void WipeOnForkIsOnlyForPrivateAnonymousMemory()
    {
        using var b = new MmBuilder();
        b.Map(0, 2, "rw", "shared");
        MmBuilder.Expect(-Errno.EINVAL, b.Advise(0, 2, MADV_WIPEONFORK), "WIPEONFORK on shared memory");

        b.AssertInvariants();
    }

    [Fact]
    public void SharedMemoryStaysSharedBothWays()
    {
        using var b = new MmBuilder();
        b.Map(0, 2, "rw", "shared");
        b.Write(0, 2, 0x11);
        var child = b.Fork();
        b.Write(0, 1, 0x22, child);
        Assert.Equal("22 11", b.Pattern(0, 2));
        b.Write(1, 1, 0x33);
        Assert.Equal("22 33", b.Pattern(0, 2, child));
        Assert.Equal(2, b.Mm.RssShmem);
        Assert.Equal(2, b.MmOf(child).RssShmem);
        b.AssertInvariants();
        b.AssertFrames();
    }

    [Fact]
    public void ForkCopiesZeroPageMappingsOfAVmaWithAnAnonVmaAndTheChildSeesItsOwnCopies()
    {
        using var b = new MmBuilder();
        b.Map(0, 3);
        b.Write(2, 1, 0x55);
        Assert.NotNull(b.TryRead(0, 2));
        var child = b.Fork();
        Assert.Equal("111", b.Mincore(0, 3, child));
        b.Write(0, 1, 0x44, child);
        Assert.Equal("00 00 55", b.Pattern(0, 3));
        Assert.Equal("44 00 55", b.Pattern(0, 3, child));
        b.AssertInvariants();
        b.AssertFrames();
    }

    /// <summary>vma_needs_copy(): without an anon_vma (only read, never written) the child's tables stay empty (the host: mincore 0 in the child).</summary>
    [Fact]
    public void ForkLeavesTheZeroPagesOfANeverWrittenVmaToTheChildsFaults()
    {
        using var b = new MmBuilder();
        b.Map(0, 2);
        Assert.NotNull(b.TryRead(0, 2));
        var child = b.Fork();
        Assert.Equal("11", b.Mincore(0, 2));
        Assert.Equal("00", b.Mincore(0, 2, child));
        b.Write(0, 1, 0x44, child);
        Assert.Equal("10", b.Mincore(0, 2, child));
        Assert.Equal("44 00", b.Pattern(0, 2, child));
        b.AssertInvariants();
        b.AssertFrames();
    }

    /// <summary>
    /// process_vm_writev() unpins the pages it wrote dirty (unpin_user_pages_dirty_lock()), so
    /// FREE leaves them alone while a child shares them; pages the task stored itself are only
    /// dirty in their entries, and FREE marks them lazy-free even when shared.
    /// </summary>
    [Fact]
    public void FreeSkipsSharedPagesThatAProcessVmWritevDirtied()
    {
        using var b = new MmBuilder();
        b.Map(0, 4);
        Assert.Equal(MmBuilder.Bytes(2), (ulong)b.Mm.FillRemote(MmBuilder.Addr(0), MmBuilder.Bytes(2), 0x11));
        b.Write(2, 2, 0x22);
        var child = b.Fork();
        Assert.Equal(0, b.Advise(0, 4, MemoryAdvice.MADV_FREE));
        Assert.Equal(0, b.Advise(0, 4, MemoryAdvice.MADV_PAGEOUT));
        var entry = Assert.Single(b.Mm.Smaps(MmBuilder.Addr(0), MmBuilder.Bytes(4)));
        Assert.Equal(16, entry.Rss);
        Assert.Equal(8, entry.LazyFree); // the two pages the task stored itself
        Assert.Equal("11 11 22 22", b.Pattern(0, 4, child));
        b.AssertInvariants();
        b.AssertFrames();
    }

    /// <summary>vma_needs_copy(): a shared mapping's pages are not copied; the child faults them in from the page cache.</summary>
    [Fact]
    public void ForkLeavesTheTablesOfASharedMappingEmpty()
    {
        using var b = new MmBuilder();
        b.Map(0, 2, "rw", "shared");
        b.Write(0, 2, 0x11);
        var child = b.Fork();
        Assert.Equal(0, b.MmOf(child).RssShmem);
        Assert.Equal("11 11", b.Pattern(0, 2, child));
        Assert.Equal(2, b.MmOf(child).RssShmem);
        b.AssertInvariants();
        b.AssertFrames();
    }

    [Fact]
    public void AnExitedTaskCannotFork()
    {
        using var b = new MmBuilder();
        var child = b.Fork();
        child.Exit();
        Assert.Null(child.Fork(out var error));
        Assert.Equal(-Errno.ESRCH, error);

        b.AssertInvariants();
    }

    [Fact]
    public void GrandchildrenShareWhatNobodyWrote()
    {
        using var b = new MmBuilder();
        b.Map(0, 3);
        b.Write(0, 3, 0x11);
        var child = b.Fork();
        var grandchild = b.Fork(child);
        b.Write(1, 1, 0x22, child);
        b.Write(2, 1, 0x33, grandchild);
        Assert.Equal("11 11 11", b.Pattern(0, 3));
        Assert.Equal("11 22 11", b.Pattern(0, 3, child));
        Assert.Equal("11 11 33", b.Pattern(0, 3, grandchild));
        Assert.Equal(3, b.Kernel.Memory.Frame(b.PteAt(0).Pfn).MapCount);
        b.AssertInvariants();
        b.AssertFrames();
        b.ExitAllAndAssertNoFramesInUse();
    }
}
