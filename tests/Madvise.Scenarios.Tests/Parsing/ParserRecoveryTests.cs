using Madvise.Scenarios.Tests.Shared;

namespace Madvise.Scenarios.Tests.Parsing;

/// <summary>Every error of a file, not only the first: the parser goes on at the next line.</summary>
public class ParserRecoveryTests
{
    [Fact]
    public void EveryBadLineIsReportedInLineOrder()
    {
        var e = Scn.Error("mmap A 1p rw private,anon", "bogus", "madvise A 1p FROB", "read A 1p => 00*4096", "munmap A 010");
        Assert.Equal(
            ["t.scn:2:1: parse error: unknown step 'bogus'", "t.scn:3:14: parse error: unknown behaviour 'FROB'", "t.scn:5:10: parse error: bad size '010'"],
            e.Errors.Select(x => x.ToString()));
        Assert.Same(e, e.Errors[0]);
        Assert.Equal(0, e.UnreportedErrors);
    }

    [Theory]
    [InlineData("mmap B 1p rw privat,anon", "read B 1p")]
    [InlineData("file F 1p 0x100", "mmap B 1p r shared fd=F")]
    [InlineData("task T T", "in T: read 0 1")]
    [InlineData("fork T x", "exit T")]
    [InlineData("pidfd P self self", "pmadvise P [0 1p] COLD")]
    [InlineData("in self: mmap B 1p rw privat,anon", "read B 1p")]
    [InlineData("in self : mmap B 1p rw privat,anon", "read B 1p")]
    [InlineData("in self :mmap B 1p rw privat,anon", "read B 1p")]
    public void ANameWhoseLineFailedIsStillBound_NoErrorCascades(string bad, string user)
    {
        var e = Scn.Error(bad, user);
        Assert.Equal(1, Assert.Single(e.Errors).Line);
    }

    [Fact]
    public void AfterTheLimitErrorsAreCounted()
    {
        var lines = Enumerable.Range(0, ScenarioParser.MaxReportedErrors + 7).Select(i => "bogus" + i).ToArray();
        var e = Scn.Error(lines);
        Assert.Equal(ScenarioParser.MaxReportedErrors, e.Errors.Count);
        Assert.Equal(7, e.UnreportedErrors);
        Assert.Equal(Enumerable.Range(1, ScenarioParser.MaxReportedErrors), e.Errors.Select(x => x.Line));
    }

    [Fact]
    public void AGoodFileAfterRecoveryStillParsesWhole()
    {
        // Recovery state must not leak: the same parser class on a good file gives every step.
        Assert.Equal(3, Scn.Parse("mmap A 1p rw private,anon", "madvise A 1p COLD", "read A 1p").Steps.Count);
    }

    [Theory]
    [InlineData("foo\u001b]0;pwned\u0007 bar", 4, "U+001B")]
    [InlineData("read 0 1 => a\u0007", 14, "U+0007")]
    [InlineData("# a comment with \u009b", 18, "U+009B")]
    [InlineData("mmap A 1p rw private,anon \u202e", 27, "U+202E")]
    [InlineData("read 0 1\u000b", 9, "U+000B")]
    public void ControlCharactersAreRefusedWhereverTheyAre(string line, int column, string name)
    {
        var e = Scn.Error(line);
        Assert.Equal((1, column, $"control character {name}: a scenario is text"), (e.Line, e.Column, e.Message));
        Assert.DoesNotContain(e.ToString(), PrintableText.NeedsEscape);
    }

    [Fact]
    public void TabsAreBlanksNotControlCharacters()
    {
        Assert.Single(Scn.Parse("read\t0\t1").Steps);
    }

    [Fact]
    public void AHugeTokenIsEchoedCutAndCounted()
    {
        var e = Scn.Error(new string('x', 600_000));
        Assert.Equal($"unknown step '{new string('x', PrintableText.MaxEchoed)}...({600_000 - PrintableText.MaxEchoed} more characters)'", e.Message);
    }

    [Fact]
    public void FileNameWithControlCharactersIsEscapedInTheError()
    {
        var e = Assert.Throws<ScenarioParseException>(() => ScenarioParser.Parse("bogus", "a\u001b[2Jb.scn"));
        Assert.Equal("a\\e[2Jb.scn:1:1: parse error: unknown step 'bogus'", e.ToString());
    }
}
