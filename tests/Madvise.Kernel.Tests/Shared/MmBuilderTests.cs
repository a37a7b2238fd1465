using Madvise.Abi;

namespace Madvise.Kernel.Tests.Shared;

/// <summary>The harness itself: drawings, patterns and descriptions say what the address space holds.</summary>
public sealed class MmBuilderTests
{
    [Fact]
    public void LayoutGivesEachVmaItsOwnLetterAndLeavesHolesBlank()
    {
        using var b = new MmBuilder();
        Assert.Equal("      ", b.Layout(6));
        b.Map(0, 2);
        b.Map(3, 1, "r");
        b.Map(4, 2, "none");
        Assert.Equal("AA BCC", b.Layout(6));
        Assert.Equal("0-2 rw-p; 3-4 r--p; 4-6 ---p", b.Describe(6));
    }

    [Fact]
    public void VmasCrossingTheWindowEdgesKeepTheirLetter()
    {
        using var b = new MmBuilder();
        var below = Syscalls.Sys.Mmap(b.Task, MmBuilder.Window - 8192, 16384, Prot.PROT_READ, MapFlags.MAP_PRIVATE | MapFlags.MAP_ANONYMOUS | MapFlags.MAP_FIXED, -1, 0);
        Assert.Equal((long)(MmBuilder.Window - 8192), below);
        b.Map(3, 4);
        Assert.Equal("AA B", b.Layout(4));
        Assert.Equal("-2-2 r--p; 3-7 rw-p", b.Describe(4));
    }

    [Fact]
    public void PatternShowsUniformPagesMixedPagesAndFaults()
    {
        using var b = new MmBuilder();
        b.Map(0, 3);
        b.Write(0, 1, 0xab);
        Assert.Equal(1, b.Mm.FillUser(MmBuilder.Addr(1) + 7, 1, 0x01));
        Assert.Equal("ab ?? 00 --", b.Pattern(0, 4));
        Assert.Equal(0, b.TryWrite(3, 1, 0x01));
        Assert.Null(b.TryRead(2, 2));
    }

    [Theory]
    [InlineData("none", Prot.PROT_NONE)]
    [InlineData("r", Prot.PROT_READ)]
    [InlineData("rw", Prot.PROT_READ | Prot.PROT_WRITE)]
    [InlineData("rwx", Prot.PROT_READ | Prot.PROT_WRITE | Prot.PROT_EXEC)]
    public void ProtectionsParseAsInScenarios(string text, int prot) => Assert.Equal(prot, MmBuilder.Prot(text));

    [Fact]
    public void FlagsParseAsInScenariosAndRejectTypos()
    {
        Assert.Equal(MapFlags.MAP_SHARED | MapFlags.MAP_ANONYMOUS | MapFlags.MAP_LOCKED, MmBuilder.Flags("shared, anon,locked"));
        Assert.Throws<ArgumentException>(() => MmBuilder.Flags("private,lock"));
        Assert.Throws<ArgumentException>(() => MmBuilder.Prot("rwz"));
    }

    [Fact]
    public void ErrnoNamesNegativeResults()
    {
        Assert.Equal("-ENOMEM", MmBuilder.Errno(-Errno.ENOMEM));
        Assert.Equal("4096", MmBuilder.Errno(4096));
    }
}
