using System.Globalization;
using System.Text.RegularExpressions;
using CsCheck;
using Madvise.Scenarios;
using Madvise.Scenarios.Steps;

namespace Madvise.Host.Tests.Differential;

/// <summary>The generator and the minimizer on their own, without running anything (no root needed).</summary>
public sealed partial class RandomScenarioGenTests
{
    /// <summary>MADV_DIFF_STEPS: unset is 1-60, MIN-MAX is taken as given, anything else is refused with the expected form.</summary>
    [Fact]
    public void StepRangeParsesMinDashMax()
    {
        Assert.Equal((1, 60), RandomScenarioGen.StepRange(null));
        Assert.Equal((1, 60), RandomScenarioGen.StepRange(""));
        Assert.Equal((40, 120), RandomScenarioGen.StepRange("40-120"));
        Assert.Equal((5, 5), RandomScenarioGen.StepRange("5-5"));
        foreach (var bad in new[] { "40", "0-10", "10-5", "-5", "a-b", "4-", " 4-8" })
        {
            var ex = Assert.Throws<InvalidOperationException>(() => RandomScenarioGen.StepRange(bad));
            Assert.Contains("MIN-MAX", ex.Message, StringComparison.Ordinal);
        }
    }

    /// <summary>Every generated scenario parses, and every step's address that names a reservation starts in its interior.</summary>
    [Fact]
    public void GeneratedScenariosParseAndStayInTheInterior()
    {
        var checkedAddresses = 0;
        var forks = 0;
        var hugepageSteps = 0;
        RandomScenarioGen.Scenario.Sample(
            s =>
            {
                var scenario = ScenarioParser.Parse(s.Render(), "random.scn");
                var preamble = s.Preamble().Count;
                Assert.Equal(preamble + s.Steps.Sum(g => g.LineCount), scenario.Steps.Count);
                foreach (var step in scenario.Steps.Skip(preamble))
                {
                    forks += step is ForkStep ? 1 : 0;
                    foreach (Match m in ReservationOffset().Matches(step.Text))
                    {
                        var offset = m.Groups["p"].Success
                            ? long.Parse(m.Groups["p"].Value, CultureInfo.InvariantCulture) * 4096
                            : long.Parse(m.Groups["b"].Value, CultureInfo.InvariantCulture);
                        if (m.Groups["h"].Success)
                        {
                            Assert.InRange(offset, RandomScenario.ThpFirstPage * 4096L, (RandomScenario.ThpEndPage * 4096L) - 1);
                        }
                        else
                        {
                            Assert.InRange(offset, RandomScenario.FirstPage * 4096L, (RandomScenario.EndPage * 4096L) - 1);
                        }

                        checkedAddresses++;
                    }

                    // MADV_HUGEPAGE on RH only inside the huge-fault group, which ends with NOHUGEPAGE.
                    if (step.Text.Contains("RH+", StringComparison.Ordinal) && step.Text.EndsWith(" HUGEPAGE", StringComparison.Ordinal))
                    {
                        hugepageSteps++;
                    }
                }

                var text = s.Render();
                Assert.Equal(CountOf(text, " HUGEPAGE\n", "RH+"), CountOf(text, " NOHUGEPAGE\n", "RH+", after: " HUGEPAGE\n"));
            },
            iter: 500,
            threads: 1);
        Assert.True(checkedAddresses > 1000, $"only {checkedAddresses} addresses checked");
        Assert.True(forks > 50, $"only {forks} fork steps");
        Assert.True(hugepageSteps > 20, $"only {hugepageSteps} huge-fault groups generated");
    }

    /// <summary>A fork block renders as the fork, its child's steps in the child, and its exit; smaps after a drain.</summary>
    [Fact]
    public void ForkBlocksAndSmapsRenderAsSelfContainedLines()
    {
        var fork = new GenStep(true, "fork", "")
        {
            Children = [new GenStep(true, "mmap", "1p rw private,anon,fixed at=RB+3p"), new GenStep(true, "madvise", "RB 1p COLD", ["smaps RB+3p 1p"])],
            ExitChild = true,
        };
        Assert.Equal(5, fork.LineCount);
        Assert.Equal(
            "in B: fork F7\nin F7: mmap M7_0 1p rw private,anon,fixed at=RB+3p\nin F7: madvise RB 1p COLD\nin F7: smaps RB+3p 1p\nexit F7",
            fork.Render(7));
        Assert.Equal("in C: madvise R 1p COLD\nin C: smaps R+1p 2p", (new GenStep(false, "madvise", "R 1p COLD", ["smaps R+1p 2p"]) { Task = "C" }).Render(1));
        var scenario = new RandomScenario(false, true, [fork]) { Fork = true };
        Assert.Equal(["fork C", "pidfd PC C"], scenario.Preamble().TakeLast(2));
        Assert.Equal(scenario.Preamble().Count + 5, ScenarioParser.Parse(scenario.Render(), "random.scn").Steps.Count);
    }

    /// <summary>Lines of <paramref name="text"/> that name <paramref name="needle"/> and end with <paramref name="ending"/>; with <paramref name="after"/>, only those that follow a line ending so (a group's NOHUGEPAGE after its HUGEPAGE, accesses between).</summary>
    private static int CountOf(string text, string ending, string needle, string? after = null)
    {
        var count = 0;
        var open = false;
        foreach (var line in text.Split('\n'))
        {
            var full = line + "\n";
            if (after is not null && full.EndsWith(after, StringComparison.Ordinal) && full.Contains(needle, StringComparison.Ordinal))
            {
                open = true;
            }

            if (full.EndsWith(ending, StringComparison.Ordinal) && full.Contains(needle, StringComparison.Ordinal) && (after is null || open))
            {
                count++;
                open = false;
            }
        }

        return count;
    }

    /// <summary>The minimizer keeps exactly the steps the failure needs, in order.</summary>
    [Fact]
    public void MinimizerKeepsOnlyTheStepsTheFailureNeeds()
    {
        var steps = Enumerable.Range(0, 23).Select(i => new GenStep(false, "madvise", $"R+{i + 1}p 1p COLD")).ToArray();
        var scenario = new RandomScenario(false, false, steps);
        var needed = new[] { steps[3], steps[17], steps[18] };

        // "Fails" while the three needed steps are all there; the run is the scenario itself.
        var runs = 0;
        var (minimal, _) = DivergenceMinimizer.Minimize(scenario, s => { runs++; return s; }, s => needed.All(s.Steps.Contains));
        Assert.Equal(needed, minimal.Steps);
        Assert.True(runs < 200, $"{runs} runs");
    }

    /// <summary>A failure that does not reproduce is reported as it was.</summary>
    [Fact]
    public void MinimizerLeavesAnUnreproducibleFailureAlone()
    {
        var scenario = new RandomScenario(true, false, [new GenStep(false, "munmap", "R+1p 1p"), new GenStep(false, "munmap", "R+2p 1p")]);
        var (minimal, _) = DivergenceMinimizer.Minimize(scenario, s => s, _ => false);
        Assert.Same(scenario, minimal);
    }

    /// <summary><c>R+Np</c>, <c>RB+Np</c>, <c>RH+Np</c> or <c>R+BYTES</c> at the start of an address token.</summary>
    [GeneratedRegex(@"(?<![A-Za-z0-9_])(?:RB?|(?<h>RH))\+(?:(?<p>\d+)p|(?<b>\d+))(?![\dpxX])")]
    private static partial Regex ReservationOffset();
}
