using System.Text;
using Madvise.Host.Tests.Shared;
using Madvise.Scenarios;
using Madvise.Scenarios.Steps;

namespace Madvise.Host.Tests.Differential;

/// <summary>
/// Every scenario of tests/scenarios on both kernels: the simulated kernel meets every
/// expectation; the host meets every expectation up to the divergence point of a file marked
/// <c>@host-divergent</c> (runner rule 9); both print the same result for every step compared
/// (<see cref="ScenarioComparison"/>); and nothing is dropped silently: a step the host skips is
/// in a marked file (<c>@host-divergent</c>, or <c>sim-only</c> for a <c>SKIP(config)</c>).
/// </summary>
[Collection(DifferentialCollection.Name)]
public sealed class CorpusDifferentialTests
{
    /// <summary>The corpus file names (sorted), for the theories.</summary>
    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var file in CorpusFiles())
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    /// <summary>The corpus is where the tests look, and is not empty (a wrong path would make the theory vacuous).</summary>
    [Fact]
    public void CorpusIsFound()
    {
        Assert.True(CorpusFiles().Length >= 45, $"expected the corpus in {RepositoryPaths.Corpus}");
    }

    /// <summary>The file agrees with Linux on both kernels and the kernels agree with each other.</summary>
    [RootAgentTheory]
    [MemberData(nameof(Files))]
    public void SimAndHostAgree(string file)
    {
        var scenario = Load(file);
        var run = DifferentialRun.Of(scenario);
        var failures = new StringBuilder();

        foreach (var s in run.Sim.Steps)
        {
            if (s.Verdict is StepVerdict.Mismatch or StepVerdict.Error or StepVerdict.Skipped)
            {
                failures.Append($"sim {file}:{s.Step.Line}: {s.Text}: expected '{s.Expected}', got '{s.Result}'\n");
            }
        }

        foreach (var s in run.Host.Steps)
        {
            if (s.Verdict is StepVerdict.Mismatch or StepVerdict.Error)
            {
                failures.Append($"host {file}:{s.Step.Line}: {s.Text}: expected '{s.Expected}', got '{s.Result}'\n");
            }
            else if (s.Verdict == StepVerdict.Skipped && !SkipIsDeclared(scenario, s))
            {
                failures.Append($"host {file}:{s.Step.Line}: {s.Text}: {s.Result} in a file marked neither '# @host-divergent:' nor (for SKIP(config)) '# sim-only:'\n");
            }
        }

        if (scenario.HostDivergent is not null && run.Host.DivergencePoint is null)
        {
            failures.Append($"{file}: marked @host-divergent ({scenario.HostDivergent}) but ran whole on the host: drop the marker\n");
        }

        failures.Append(run.DescribeDifferences());
        Assert.True(failures.Length == 0, failures + run.Diagnostics);
    }

    private static bool SkipIsDeclared(Scenario scenario, StepReport step) =>
        scenario.HostDivergent is not null || (step.Result == ScenarioResults.ConfigSkip && scenario.SimOnly is not null);

    private static string[] CorpusFiles()
    {
        var files = Directory.GetFiles(RepositoryPaths.Corpus, "*.scn");
        Array.Sort(files, StringComparer.Ordinal);
        return files;
    }

    private static Scenario Load(string file) => ScenarioParser.ParseFile(Path.Combine(RepositoryPaths.Corpus, file));
}
