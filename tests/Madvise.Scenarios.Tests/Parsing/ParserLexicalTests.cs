using Madvise.Scenarios.Steps;
using Madvise.Scenarios.Tests.Shared;

namespace Madvise.Scenarios.Tests.Parsing;

/// <summary>Lexical rules: comments, blanks, expectations, numbers, sizes, addresses, names.</summary>
public class ParserLexicalTests
{
    private const string MapA = "mmap A 8p rw private,anon";

    [Fact]
    public void CommentsAndBlankLinesAreIgnored_LinesCountedFromOne()
    {
        var scenario = Scn.Parse("# header", "", "   \t ", MapA + " # trailing => not an expectation", "read A 1p#x");
        Assert.Equal(2, scenario.Steps.Count);
        Assert.Equal(4, scenario.Steps[0].Line);
        Assert.Null(scenario.Steps[0].Expected);
        Assert.Equal(5, scenario.Steps[1].Line);
        Assert.Equal("read A 1p", scenario.Steps[1].Text);
    }

    [Fact]
    public void HashInsideVectorStartsAComment()
    {
        var e = Scn.Error(MapA, "pmadvise self [A 1p # ] COLD");
        Assert.Equal((2, 15, "unterminated '['"), (e.Line, e.Column, e.Message));
    }

    [Theory]
    [InlineData("\r\n")]
    [InlineData("\r")]
    [InlineData("\n")]
    public void LineEndings(string eol)
    {
        var scenario = ScenarioParser.Parse(MapA + eol + "read A 1p => 00*4096" + eol, "t.scn");
        Assert.Equal(2, scenario.Steps.Count);
        Assert.Equal("00*4096", scenario.Steps[1].Expected);
        Assert.Equal(2, scenario.Steps[1].Line);
    }

    [Fact]
    public void ExpectationIsWhitespaceFoldedAndDropped()
    {
        var s = Scn.Last<VmasStep>(MapA, "vmas  A\t8p   =>   [0p-2p  rw-p;\t2p-8p rw-p  sr]  ");
        Assert.Equal("[0p-2p rw-p; 2p-8p rw-p sr]", s.Expected);
        Assert.Equal("vmas A 8p", s.Text);
    }

    [Fact]
    public void ExpectationMayContainHashOnlyBeforeComment()
    {
        var s = Scn.Last<ReadStep>(MapA, "read A 0 => x # y");
        Assert.Equal("x", s.Expected);
    }

    [Theory]
    [InlineData("4096", 4096UL)]
    [InlineData("0", 0UL)]
    [InlineData("0x1000", 4096UL)]
    [InlineData("0X1f", 31UL)]
    [InlineData("0xffffffffffffffff", ulong.MaxValue)]
    [InlineData("0x10000000000000001", 1UL)]
    [InlineData("18446744073709551616", 0UL)]
    [InlineData("-1", ulong.MaxValue)]
    [InlineData("-0x1000", 0xFFFF_FFFF_FFFF_F000UL)]
    [InlineData("3p", 3 * 4096UL)]
    [InlineData("3P", 3 * 4096UL)]
    [InlineData("2k", 2048UL)]
    [InlineData("2K", 2048UL)]
    [InlineData("256M", 256UL << 20)]
    [InlineData("1g", 1UL << 30)]
    [InlineData("0x10p", 16 * 4096UL)]
    [InlineData("-1p", 0xFFFF_FFFF_FFFF_F000UL)]
    [InlineData("0x10000000000000p", 0UL)]
    [InlineData("00", 0UL)]
    public void Sizes(string written, ulong value)
    {
        var s = Scn.Last<MunmapStep>($"munmap 0 {written}");
        Assert.Equal(value, s.Length);
        Assert.Equal($"munmap 0 {written}", s.Text);
    }

    [Theory]
    [InlineData("010")]
    [InlineData("0x")]
    [InlineData("1.5")]
    [InlineData("p")]
    [InlineData("1pp")]
    [InlineData("--1")]
    [InlineData("+1")]
    [InlineData("1t")]
    [InlineData("0xg")]
    public void BadSizes(string written)
    {
        var e = Scn.Error($"munmap 0 {written}");
        Assert.Equal((1, 10, $"bad size '{written}'"), (e.Line, e.Column, e.Message));
    }

    [Theory]
    [InlineData("A", 0UL)]
    [InlineData("A+1", 1UL)]
    [InlineData("A+2p", 8192UL)]
    [InlineData("A-1p", 0xFFFF_FFFF_FFFF_F000UL)]
    [InlineData("A+-1", ulong.MaxValue)]
    [InlineData("A+0x10", 16UL)]
    public void Addresses_RelativeToName(string written, ulong offset)
    {
        var s = Scn.Last<ReadStep>(MapA, $"read {written} 1");
        Assert.Equal(new AddressExpression("A", offset, written), s.Address);
        Assert.Equal(0x1000UL, new AddressExpression("A", offset, written).Resolve(0x1000 - offset));
    }

    [Theory]
    [InlineData("0", 0UL)]
    [InlineData("0x1000", 0x1000UL)]
    [InlineData("-1", ulong.MaxValue)]
    [InlineData("0xffffffffffffffff", ulong.MaxValue)]
    public void Addresses_Absolute(string written, ulong value)
    {
        var s = Scn.Last<ReadStep>($"read {written} 1");
        Assert.Equal(new AddressExpression(null, value, written), s.Address);
        Assert.Equal(value, s.Address.Resolve(12345));
    }

    [Fact]
    public void AddressArithmeticWraps()
    {
        Assert.Equal(0xFFFUL, new AddressExpression("A", 0xFFFF_FFFF_FFFF_F000UL, "A-1p").Resolve(0x1FFF));
        Assert.Equal(0UL, new AddressExpression("A", 1, "A+1").Resolve(ulong.MaxValue));
    }

    [Fact]
    public void KeywordsAreCaseInsensitive_NamesAreNot()
    {
        Assert.Equal("read A 1p", Scn.Last<ReadStep>(MapA, "ReAd A 1p").Text);
        var e = Scn.Error(MapA, "read a 1p");
        Assert.Equal((2, 6, "unknown mapping name 'a'"), (e.Line, e.Column, e.Message));
    }

    [Fact]
    public void NameSpacesAreSeparate()
    {
        // One spelling, four name spaces: each use is looked up in its own.
        var scenario = Scn.Parse("task N", "file N 1p 0", "pidfd N N", "mmap N 1p r private fd=N", "pmadvise N [N 1p] COLD", "in N: read N 1p");
        Assert.Equal(6, scenario.Steps.Count);
        Assert.Equal("unknown mapping name 'N'", Scn.Error("task N", "read N 1p").Message);
        Assert.Equal("unknown task 'N'", Scn.Error("mmap N 1p rw private,anon", "exit N").Message);
        Assert.Equal("unknown pidfd 'N'", Scn.Error("task N", "pmadvise N [] COLD").Message);
        Assert.Equal("unknown file 'N'", Scn.Error("pidfd N self", "mmap A 1p r shared fd=N").Message);
    }

    [Fact]
    public void NamesMayBeReboundExceptTasks()
    {
        Assert.Equal(4, Scn.Parse(MapA, MapA, "file F 1p 0", "file F 1p 1").Steps.Count);
        Assert.Equal(2, Scn.Parse("pidfd P self", "pidfd P self").Steps.Count);
        Assert.Equal("task 'B' already exists", Scn.Error("task B", "fork B").Message);
    }

    [Fact]
    public void NameMustBeBoundByAnEarlierLine()
    {
        var e = Scn.Error("read A 1p", MapA);
        Assert.Equal((1, 6, "unknown mapping name 'A'"), (e.Line, e.Column, e.Message));
    }

    [Fact]
    public void TabsSeparateTokens()
    {
        Assert.Equal("madvise A 1p COLD", Scn.Last<MadviseStep>(MapA, "\tmadvise\tA\t \t1p\tcold\t").Text);
    }

    [Fact]
    public void VectorTokenEndsAtBracket()
    {
        var s = Scn.Last<PmadviseStep>(MapA, "pmadvise self [A 1p]COLD");
        Assert.Equal("pmadvise self [A 1p] COLD", s.Text);
    }

    [Fact]
    public void ConfigCannotFollowOtherSteps()
    {
        var e = Scn.Error("config swap=0", "task B", "  config ksm=on");
        Assert.Equal((3, 3, "config must come before any other step"), (e.Line, e.Column, e.Message));
    }

    [Fact]
    public void ParseException_ToStringHasFileLineColumn()
    {
        var e = Assert.Throws<ScenarioParseException>(() => ScenarioParser.Parse("\n  bogus", "dir/f.scn"));
        Assert.Equal("dir/f.scn", e.File);
        Assert.Equal("dir/f.scn:2:3: parse error: unknown step 'bogus'", e.ToString());
    }

    [Fact]
    public void ParseFile_MissingFileThrowsIOException()
    {
        Assert.ThrowsAny<IOException>(() => ScenarioParser.ParseFile(Path.Combine(Scn.DataDirectory, "no-such-file.scn")));
    }
}
