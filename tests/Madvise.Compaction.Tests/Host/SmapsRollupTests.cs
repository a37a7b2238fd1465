using Madvise.Host;

namespace Madvise.Compaction.Tests.Host;

public class SmapsRollupTests
{
    [Fact]
    public void ParsesTheKernelsText()
    {
        const string Text = """
            55f0d0c2a000-7ffd7a5f0000 ---p 00000000 00:00 0                          [rollup]
            Rss:              101044 kB
            Pss:               98765 kB
            Pss_Dirty:         60000 kB
            Anonymous:         59724 kB
            LazyFree:             12 kB
            AnonHugePages:         0 kB
            Swap:               4096 kB
            SwapPss:            4096 kB
            Locked:               64 kB
            """;
        var r = SmapsRollup.Parse(new StringReader(Text));
        Assert.Equal(new SmapsRollup(101044, 98765, 59724, 12, 4096, 64), r);
        Assert.Equal(101044 - 59724, r.FileAndShmem);
    }

    [Fact]
    public void AMalformedCounterIsAFormatError() =>
        Assert.Throws<FormatException>(() => SmapsRollup.Parse(new StringReader("Rss: lots kB")));

    [Fact]
    public void ReadsThisProcess()
    {
        Assert.True(SmapsRollup.TryRead(Environment.ProcessId, out var r, out _));
        Assert.True(r.Rss > 0 && r.Anonymous > 0 && r.Anonymous <= r.Rss);
        Assert.False(SmapsRollup.TryRead(int.MaxValue, out _, out var errno));
        Assert.Equal(Errno.ESRCH, errno);
    }
}
