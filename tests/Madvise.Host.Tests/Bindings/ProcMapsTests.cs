using Madvise.Abi;

namespace Madvise.Host.Tests.Bindings;

/// <summary>The /proc/PID/maps and smaps parser.</summary>
public sealed class ProcMapsTests
{
    private const string Smaps = """
        55d0c0000000-55d0c0021000 r--p 00000000 fe:00 1234                       /usr/bin/my program (deleted)
        Size:                132 kB
        VmFlags: rd mr mw me sd
        7f0000000000-7f0000004000 rw-p 00000000 00:00 0 
        Size:                 16 kB
        Rss:                   0 kB
        VmFlags: rd wr mr mw me ac sd dc sr
        ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]
        VmFlags: ex
        """;

    [Fact]
    public void ParsesSmapsEntriesWithTheirVmFlags()
    {
        var maps = ProcMaps.Parse(new StringReader(Smaps), smaps: true);

        Assert.Equal(3, maps.Count);
        Assert.Equal(new ProcMapping(0x55d0c0000000, 0x55d0c0021000, "r--p", 0, 1234, "/usr/bin/my program (deleted)", maps[0].VmFlags) { Sizes = maps[0].Sizes }, maps[0]);
        Assert.Equal(132, maps[0].Size("Size"));
        Assert.Equal(0, maps[0].Size("Rss"));
        Assert.Equal((16L, 0L), (maps[1].Size("Size"), maps[1].Size("Rss")));
        Assert.Empty(maps[2].Sizes);
        Assert.Equal(["rd", "mr", "mw", "me", "sd"], maps[0].VmFlags);
        Assert.Equal((0x7f0000000000UL, 0x7f0000004000UL, "rw-p", ""), (maps[1].Start, maps[1].End, maps[1].Perms, maps[1].Path));
        Assert.Contains("dc", maps[1].VmFlags);
        Assert.Equal(0xffffffffff601000UL, maps[2].End);
        Assert.Equal("[vsyscall]", maps[2].Path);
    }

    [Fact]
    public unsafe void SmapsSizesCountTheWrittenPages()
    {
        var p = (nuint)PageSize.PAGE_SIZE;
        var a = HostMemory.Mmap(0, 4 * p, Prot.PROT_READ | Prot.PROT_WRITE, MapFlags.MAP_PRIVATE | MapFlags.MAP_ANONYMOUS);
        try
        {
            new Span<byte>((void*)a, (int)(2 * p)).Fill(7);
            var m = Assert.Single(ProcMaps.ReadSmaps(), m => m.Overlaps((ulong)a, (ulong)a + 1));
            Assert.True(m.Size("Size") >= 16);
            Assert.True(m.Size("Rss") >= 8); // a neighbour the mapping merged with may add its own
            Assert.Equal(m.Size("Rss"), m.Size("Anonymous"));
            Assert.Equal(0, m.Size("NoSuchField"));
        }
        finally
        {
            HostMemory.Munmap(a, 4 * p);
        }
    }

    [Fact]
    public void RejectsAMalformedLine() =>
        Assert.Throws<FormatException>(() => ProcMaps.ParseMappingLine("7f00-zz rw-p 0 00:00 0"));

    [Theory]
    [InlineData(0x1000UL, 0x2000UL, true)]
    [InlineData(0x0UL, 0x1000UL, false)]
    [InlineData(0x4000UL, 0x5000UL, false)]
    [InlineData(0x3fffUL, 0UL, true)]
    public void OverlapTreatsEndZeroAsTheTopOfTheAddressSpace(ulong start, ulong end, bool overlaps) =>
        Assert.Equal(overlaps, new ProcMapping(0x1000, 0x4000, "rw-p", 0, 0, "", []).Overlaps(start, end));

    [Fact]
    public unsafe void SeesAFreshMappingAndItsFlags()
    {
        const int Rw = Prot.PROT_READ | Prot.PROT_WRITE;
        var p = (nuint)PageSize.PAGE_SIZE;
        var a = HostMemory.Mmap(0, 4 * p, Rw, MapFlags.MAP_PRIVATE | MapFlags.MAP_ANONYMOUS);
        try
        {
            HostMemory.Madvise(a, p, MemoryAdvice.MADV_DONTFORK);
            HostMemory.Mprotect(a + (nint)(3 * p), p, Prot.PROT_READ);

            var maps = ProcMaps.ReadMaps();
            Assert.Contains(maps, m => m.Start == (ulong)a && m.End == (ulong)a + p && m.Perms == "rw-p");
            Assert.Contains(maps, m => m.Start == (ulong)a + (3 * p) && m.Perms == "r--p");

            var smaps = ProcMaps.ReadSmaps();
            var first = Assert.Single(smaps, m => m.Start == (ulong)a);
            Assert.Contains("dc", first.VmFlags);
            var second = Assert.Single(smaps, m => m.Start == (ulong)a + p);
            Assert.DoesNotContain("dc", second.VmFlags);
        }
        finally
        {
            HostMemory.Munmap(a, 4 * p);
        }
    }
}
