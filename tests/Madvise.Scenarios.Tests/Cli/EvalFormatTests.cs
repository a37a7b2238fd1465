using CsCheck;

namespace Madvise.Scenarios.Tests.Cli;

/// <summary>Sizes, batch lists, statistics, CSV quoting and atomic files.</summary>
public sealed class EvalFormatTests
{
    [Theory]
    [InlineData("4096", 4096UL)]
    [InlineData("4K", 4096UL)]
    [InlineData("4k", 4096UL)]
    [InlineData("4KiB", 4096UL)]
    [InlineData("256M", 256UL << 20)]
    [InlineData("1G", 1UL << 30)]
    [InlineData(" 2T ", 2UL << 40)]
    public void ByteSize_Parses(string text, ulong expected)
    {
        Assert.True(ByteSize.TryParse(text, out var bytes));
        Assert.Equal(expected, bytes);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("M")]
    [InlineData("-1K")]
    [InlineData("1.5M")]
    [InlineData("4X")]
    [InlineData("99999999999999999999")]
    [InlineData("16777216T")]
    public void ByteSize_Rejects(string text) => Assert.False(ByteSize.TryParse(text, out _));

    [Fact]
    public void ByteSize_FormatRoundTrips() =>
        Gen.ULong[1, 1UL << 44].Sample(n =>
        {
            Assert.True(ByteSize.TryParse(ByteSize.Format(n), out var back));
            Assert.Equal(n, back);
        });

    [Fact]
    public void BatchList_SortsAndDeduplicates()
    {
        Assert.True(BatchList.TryParse("16, 0,4,16", 0, out var list, out _));
        Assert.Equal([0, 4, 16], list);
        Assert.False(BatchList.TryParse("0", 1, out _, out var error));
        Assert.Contains("between 1 and 1024", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "")]
    [InlineData("EINVAL", "EINVAL")]
    [InlineData("short (4096 bytes), then", "\"short (4096 bytes), then\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    public void Csv_QuotesOnlyWhenNeeded(string? field, string expected) => Assert.Equal(expected, EvalCsv.Quote(field));

    [Fact]
    public void AtomicFile_ReplacesTheTarget_LeavesNoTemporary()
    {
        var dir = Directory.CreateTempSubdirectory("madv-atomic-").FullName;
        try
        {
            var path = Path.Combine(dir, "out.txt");
            File.WriteAllText(path, "old");
            AtomicFile.WriteText(path, w => w.Write("new"));
            Assert.Equal("new", File.ReadAllText(path));

            // A writer that fails leaves the old content and no temporary file.
            Assert.Throws<InvalidOperationException>(() => AtomicFile.WriteText(path, _ => throw new InvalidOperationException("boom")));
            Assert.Equal("new", File.ReadAllText(path));
            Assert.Single(Directory.GetFiles(dir));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
