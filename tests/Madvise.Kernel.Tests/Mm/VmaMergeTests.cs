using Madvise.Abi;
using Madvise.Kernel.Mm.Vmas;
using Madvise.Kernel.Tests.Shared;
using static Madvise.Abi.MemoryAdvice;

namespace Madvise.Kernel.Tests.Mm;

/// <summary>
/// Where VMAs split and merge (Linux: mm/vma.c, tools/testing/vma/tests/merge.c). Each test
/// draws the window before and after its steps: one letter per VMA, a space for no VMA.
/// </summary>
public sealed class VmaMergeTests
{
    [Fact]
    public void AdjacentMappingsWithEqualFlagsBecomeOneVma()
    {
        using var b = new MmBuilder();
        b.Map(0, 2);
        b.Map(2, 2);
        Assert.Equal("AAAA", b.Layout(4));

        // A mapping below also joins, and one that fills a gap joins both sides.
        b.Map(6, 2);
        Assert.Equal("AAAA  BB", b.Layout(8));
        b.Map(4, 2);
        Assert.Equal("AAAAAAAA", b.Layout(8));
        Assert.Equal(1, b.Mm.MapCount);
        b.AssertInvariants();
    }

    [Theory]
    [InlineData("rw", "private", "r", "private")]
    [InlineData("rw", "private", "rw", "private,noreserve")]
    [InlineData("rw", "private", "rw", "shared")]
    [InlineData("rw", "private", "rw", "private,locked")]
    public void DifferentFlagsKeepNeighboursApart(string prot1, string flags1, string prot2, string flags2)
    {
        using var b = new MmBuilder();
        b.Map(0, 2, prot1, flags1);
        b.Map(2, 2, prot2, flags2);
        Assert.Equal("AABB", b.Layout(4));
        b.AssertInvariants();
    }

    [Fact]
    public void SharedAnonymousMappingsNeverMerge()
    {
        // Each MAP_SHARED|MAP_ANONYMOUS mapping is its own shmem file.
        using var b = new MmBuilder();
        b.Map(0, 2, "rw", "shared");
        b.Map(2, 2, "rw", "shared");
        Assert.Equal("AABB", b.Layout(4));

        b.AssertInvariants();
    }

    [Fact]
    public void MprotectSplitsIntoThreeAndMergesBack()
    {
        using var b = new MmBuilder();
        b.Map(0, 6);
        b.Write(0, 6, 0x5a);
        //   012345
        //   AAAAAA
        Assert.Equal(0, b.Protect(2, 2, "r"));
        //   AABBCC
        Assert.Equal("AABBCC", b.Layout(6));
        Assert.Equal("0-2 rw-p; 2-4 r--p; 4-6 rw-p", b.Describe(6));
        Assert.Equal(0, b.Protect(2, 2, "rw"));
        //   AAAAAA
        Assert.Equal("AAAAAA", b.Layout(6));
        Assert.Equal("5a 5a 5a 5a 5a 5a", b.Pattern(0, 6));
        b.AssertInvariants();
        b.AssertFrames();
    }

    [Fact]
    public void MprotectOfAHeadOrTailMergesWithTheNeighbour()
    {
        using var b = new MmBuilder();
        b.Map(0, 3, "r");
        b.Map(3, 3, "rw");
        Assert.Equal("AAABBB", b.Layout(6));

        // The head of B becomes r: it moves into A.
        Assert.Equal(0, b.Protect(3, 1, "r"));
        Assert.Equal("AAAABB", b.Layout(6));
        Assert.Equal("0-4 r--p; 4-6 rw-p", b.Describe(6));

        // The tail of A becomes rw: it moves into B.
        Assert.Equal(0, b.Protect(2, 2, "rw"));
        Assert.Equal("0-2 r--p; 2-6 rw-p", b.Describe(6));
        b.AssertInvariants();
    }

    [Fact]
    public void MprotectAcrossSeveralVmasMergesThemAll()
    {
        using var b = new MmBuilder();
        b.Map(0, 2, "r");
        b.Map(2, 2, "rw");
        b.Map(4, 2, "none");
        b.Map(6, 2, "r");
        Assert.Equal("AABBCCDD", b.Layout(8));
        Assert.Equal(0, b.Protect(0, 8, "r"));
        Assert.Equal("AAAAAAAA", b.Layout(8));
        b.AssertInvariants();
    }

    [Fact]
    public void MadviseFlagsSplitAndTheReverseAdviceMerges()
    {
        using var b = new MmBuilder();
        b.Map(0, 8);
        Assert.Equal(0, b.Advise(2, 3, MADV_DONTFORK));
        Assert.Equal("AABBBCCC", b.Layout(8));
        Assert.Equal("0-2 rw-p; 2-5 rw-p dc; 5-8 rw-p", b.Describe(8));
        Assert.Equal(0, b.Advise(0, 8, MADV_DOFORK));
        Assert.Equal("AAAAAAAA", b.Layout(8));
        b.AssertInvariants();
    }

    [Fact]
    public void AFreshMappingBetweenTwoOriginsJoinsOnlyTheLowerOne()
    {
        using var b = new MmBuilder();
        b.Map(0, 2);
        b.Map(3, 2);
        b.Write(0, 2, 0x11);
        b.Write(3, 2, 0x22);
        //   01234
        //   AA BB    each written while separate: two anon_vmas
        b.Map(2, 1);
        Assert.Equal("AAABB", b.Layout(5));

        // Equal flags are not enough: the origins differ, so no later change merges them.
        Assert.Equal(0, b.Protect(3, 2, "r"));
        Assert.Equal(0, b.Protect(3, 2, "rw"));
        Assert.Equal("AAABB", b.Layout(5));
        Assert.Equal("11 11 00 22 22", b.Pattern(0, 5));
        b.AssertInvariants();
    }

    [Fact]
    public void AFreshMappingBesideAnOriginAndANeverWrittenVmaJoinsBoth()
    {
        using var b = new MmBuilder();
        b.Map(0, 2);
        b.Map(3, 2);
        b.Write(0, 2, 0x11);
        b.Map(2, 1);
        Assert.Equal("AAAAA", b.Layout(5));
        b.Write(4, 1, 0x44);
        Assert.Equal("11 11 00 00 44", b.Pattern(0, 5));
        b.AssertInvariants();
    }

    [Fact]
    public void PiecesOfOneVmaShareTheirOriginAndMergeAgainAfterAGap()
    {
        using var b = new MmBuilder();
        b.Map(0, 6);
        b.Write(0, 6, 0x11);
        b.Unmap(2, 2);
        Assert.Equal("AA  BB", b.Layout(6));
        b.Map(2, 2);
        Assert.Equal("AAAAAA", b.Layout(6));
        Assert.Equal("11 11 00 00 11 11", b.Pattern(0, 6));
        b.AssertInvariants();
    }

    [Fact]
    public void InAForkChildAFreshMappingDoesNotJoinAnInheritedOrigin()
    {
        using var b = new MmBuilder();
        b.Map(0, 2);
        b.Write(0, 2, 0x11);
        var child = b.Fork();
        b.Map(2, 1, task: child);
        Assert.Equal("AAB", b.Layout(3, child));

        // In the parent the same mapping joins.
        b.Map(2, 1);
        Assert.Equal("AAA", b.Layout(3));
        b.AssertInvariants();
    }

    [Fact]
    public void PrivateWritableMemoryIsAccountedUnlessNoReserve()
    {
        using var b = new MmBuilder();
        b.Map(0, 1, "rw");
        b.Map(2, 1, "rw", "private,noreserve");
        b.Map(4, 1, "r");
        b.Map(6, 1, "rw", "shared");
        Assert.True(b.FlagsAt(0).HasFlag(VmFlags.VM_ACCOUNT));
        Assert.False(b.FlagsAt(2).HasFlag(VmFlags.VM_ACCOUNT));
        Assert.True(b.FlagsAt(2).HasFlag(VmFlags.VM_NORESERVE));
        Assert.False(b.FlagsAt(4).HasFlag(VmFlags.VM_ACCOUNT));
        Assert.False(b.FlagsAt(6).HasFlag(VmFlags.VM_ACCOUNT));

        b.AssertInvariants();
    }

    [Fact]
    public void MprotectToWritableChargesAndThenMergesWithAnAccountedNeighbour()
    {
        using var b = new MmBuilder();
        b.Map(0, 2, "rw");
        b.Map(2, 2, "r");
        Assert.Equal("AABB", b.Layout(4));
        Assert.Equal(0, b.Protect(2, 2, "rw"));
        Assert.True(b.FlagsAt(2).HasFlag(VmFlags.VM_ACCOUNT));
        Assert.Equal("AAAA", b.Layout(4));

        b.AssertInvariants();
    }

    [Fact]
    public void MprotectToReadOnlyDropsTheChargeOnlyOfNeverWrittenMemory()
    {
        using var b = new MmBuilder();

        // Never written: VM_ACCOUNT goes, so it merges with a never-writable neighbour.
        b.Map(0, 2, "rw");
        b.Map(2, 2, "r");
        Assert.Equal(0, b.Protect(0, 2, "r"));
        Assert.False(b.FlagsAt(0).HasFlag(VmFlags.VM_ACCOUNT));
        Assert.Equal("AAAA", b.Layout(4));

        // Written (it has an anon_vma): the charge stays, so it does not merge.
        b.Map(6, 2, "rw");
        b.Write(6, 1, 0x33);
        b.Map(8, 2, "r");
        Assert.Equal(0, b.Protect(6, 2, "r"));
        Assert.True(b.FlagsAt(6).HasFlag(VmFlags.VM_ACCOUNT));
        Assert.Equal("AAAA  BBCC", b.Layout(10));
        b.AssertInvariants();
    }

    [Fact]
    public void FileMappingsMergeOnlyWithContinuousOffsetsOfTheSameOpenFile()
    {
        using var b = new MmBuilder();
        var fd = b.CreateFile(16 * 4096, 0x5a);
        b.Map(0, 2, "rw", "shared", fd, filePage: 0);
        b.Map(2, 2, "rw", "shared", fd, filePage: 2);
        Assert.Equal("AAAA", b.Layout(4));

        // Offsets jump from 4 to 5: no merge.
        b.Map(4, 2, "rw", "shared", fd, filePage: 5);
        Assert.Equal("AAAABB", b.Layout(6));

        // The same file through another open file description: no merge either.
        var again = Syscalls.Sys.ReopenFile(b.Task, fd, canRead: true, canWrite: true);
        b.Map(6, 2, "rw", "shared", again, filePage: 7);
        Assert.Equal("AAAABBCC", b.Layout(8));

        // Private mappings of the file follow the same rule.
        b.Map(10, 2, "r", "private", fd, filePage: 10);
        b.Map(12, 2, "r", "private", fd, filePage: 12);
        Assert.Equal("DDDD", b.Layout(14)[10..]);
        Assert.Equal("5a 5a 5a 5a", b.Pattern(10, 4));
        b.AssertInvariants();
    }

    [Fact]
    public void SplittingAFileVmaKeepsEachPiecesOffset()
    {
        using var b = new MmBuilder();
        var fd = b.CreateFile(8 * 4096, 0x5a);
        b.Map(0, 8, "rw", "shared", fd);
        b.Write(5, 1, 0x55);
        Assert.Equal(0, b.Protect(2, 2, "r"));
        Assert.Equal("AABBCCCC", b.Layout(8));

        // Page 5 is in the third piece; its offset still names file page 5.
        b.Unmap(0, 4);
        b.Map(0, 1, "r", "shared", fd, filePage: 5);
        Assert.Equal("55", b.Pattern(0, 1));
        b.AssertInvariants();
    }
}
