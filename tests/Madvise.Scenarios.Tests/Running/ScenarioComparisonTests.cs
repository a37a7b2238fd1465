using Madvise.Scenarios.Tests.Shared;

namespace Madvise.Scenarios.Tests.Running;

/// <summary>Which steps <see cref="ScenarioComparison"/> compares and which it lists as differing.</summary>
public class ScenarioComparisonTests
{
    [Fact]
    public void SkipsAndDivergentStepsAreNotCompared_DifferencesListedInOrder()
    {
        var scenario = Scn.Parse(
            "# @host-divergent: fork",
            "mmap A 1p rw private,anon",
            "madvise A 1p PAGEOUT",
            "madvise A 1p COLD",
            "fork C",
            "madvise A 1p PAGEOUT");
        var sim = new FakeTarget("sim");
        var host = new FakeTarget("host") { Script = c => c.EndsWith(" 21", StringComparison.Ordinal) ? -22 : null };
        host.CreationFailures["C"] = "SKIP(fork: no libmadv-fork.so)";
        var a = ScenarioRunner.Run(scenario, sim, TextWriter.Null);
        var b = ScenarioRunner.Run(scenario, host, TextWriter.Null);

        var c = ScenarioComparison.Compare(a, b);
        Assert.Equal(("sim", "host"), (c.FirstTarget, c.SecondTarget));
        Assert.Equal((3, 1, 1), (c.Compared, c.Skipped, c.Divergent));
        var d = Assert.Single(c.Differences);
        Assert.Equal((3, "0", "-EINVAL"), (d.Step.Line, d.First, d.Second));
    }

    [Fact]
    public void ErrorDiffersFromAnAnswer()
    {
        var scenario = Scn.Parse("madvise 0 1p COLD");
        var a = ScenarioRunner.Run(scenario, new FakeTarget("sim"), TextWriter.Null);
        var b = ScenarioRunner.Run(scenario, new FakeTarget("host") { Script = _ => throw new InvalidOperationException("bug") }, TextWriter.Null);
        var d = Assert.Single(ScenarioComparison.Compare(a, b).Differences);
        Assert.Equal("ERROR(InvalidOperationException: bug)", d.Second);
    }

    [Fact]
    public void ReportsOfDifferentScenarios_Throw()
    {
        var a = ScenarioRunner.Run(Scn.Parse("munmap 0 1p"), new FakeTarget("sim"), TextWriter.Null);
        var b = ScenarioRunner.Run(Scn.Parse("munmap 0 1p"), new FakeTarget("host"), TextWriter.Null);
        Assert.Throws<ArgumentException>(() => ScenarioComparison.Compare(a, b));
    }
}
