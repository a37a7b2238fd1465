using Madvise.Scenarios.Tests.Shared;

namespace Madvise.Scenarios.Tests.Parsing;

/// <summary>The comment markers <c># @host-divergent: REASON</c> and <c># sim-only: REASON</c> (parser decision 14).</summary>
public class ParserMarkerTests
{
    [Fact]
    public void HeaderMarkers_MarkTheScenario()
    {
        var s = Scn.Parse("# topic", "#   @host-divergent:  fork prints SKIP  ", "# sim-only: needs swap", "", "munmap 0 1p => 0");
        Assert.Equal("fork prints SKIP", s.HostDivergent);
        Assert.Equal("needs swap", s.SimOnly);
        Assert.Null(s.Steps[0].HostDivergent);
    }

    [Fact]
    public void UnmarkedScenario_HasNoReasons()
    {
        var s = Scn.Parse("# files marked @host-divergent: are compared up to a point", "munmap 0 1p # not sim-only: prose");
        Assert.Null(s.HostDivergent);
        Assert.Null(s.SimOnly);
        Assert.Null(s.Steps[0].HostDivergent);
    }

    [Fact]
    public void StepMarker_MarksTheStepAndTheScenario()
    {
        var s = Scn.Parse("munmap 0 1p => 0", "madvise 0 1p COLD => 0   # @host-divergent: ksmd timing", "madvise 0 1p PAGEOUT # @host-divergent: later");
        Assert.Null(s.Steps[0].HostDivergent);
        Assert.Equal("ksmd timing", s.Steps[1].HostDivergent);
        Assert.Equal("0", s.Steps[1].Expected);
        Assert.Equal("later", s.Steps[2].HostDivergent);
        Assert.Equal("ksmd timing", s.HostDivergent);
    }

    [Fact]
    public void HeaderReasonWinsOverStepReason()
    {
        var s = Scn.Parse("# @host-divergent: header", "munmap 0 1p # @host-divergent: step");
        Assert.Equal("header", s.HostDivergent);
        Assert.Equal("step", s.Steps[0].HostDivergent);
    }

    [Fact]
    public void MarkerOnACommentLineAfterTheFirstStep_IsAnError()
    {
        var e = Scn.Error("munmap 0 1p", "  # @host-divergent: where?");
        Assert.Equal(2, e.Line);
        Assert.Equal(3, e.Column);
        Assert.Contains("must be the comment of the step", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("munmap 0 1p # sim-only: swap")]
    [InlineData("munmap 0 1p\n# sim-only: swap")]
    public void SimOnlyOutsideTheHeader_IsAnError(string text)
    {
        var e = Assert.Throws<ScenarioParseException>(() => ScenarioParser.Parse(text, "t.scn"));
        Assert.Contains("belongs in the header", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("# @host-divergent:")]
    [InlineData("# @host-divergent:   ")]
    [InlineData("# sim-only:")]
    [InlineData("munmap 0 1p # @host-divergent:")]
    public void MarkerWithoutReason_IsAnError(string line)
    {
        var e = Scn.Error(line);
        Assert.Contains("needs a reason", e.Message, StringComparison.Ordinal);
    }
}
