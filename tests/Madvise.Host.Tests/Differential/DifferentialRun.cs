using Madvise.Kernel;
using Madvise.Scenarios;
using Madvise.Scenarios.Host;
using Madvise.Scenarios.Sim;
using Madvise.Scenarios.Steps;

namespace Madvise.Host.Tests.Differential;

/// <summary>One scenario run on a fresh simulated kernel and a fresh host target, compared step by step.</summary>
/// <param name="Sim">The run on the simulated kernel.</param>
/// <param name="Host">The run on the host kernel.</param>
/// <param name="Comparison">The steps compared and those that differ (<see cref="ScenarioComparison"/>'s rule).</param>
/// <param name="Diagnostics">What both runners reported besides results (config mismatches, target exceptions).</param>
internal sealed record DifferentialRun(ScenarioReport Sim, ScenarioReport Host, ScenarioComparison Comparison, string Diagnostics)
{
    /// <summary>Runs <paramref name="scenario"/> on both targets; the sim runs <paramref name="profile"/> (<c>madv check</c>'s is PerVmaLock).</summary>
    public static DifferentialRun Of(Scenario scenario, KernelProfile profile = KernelProfile.PerVmaLock)
    {
        var diagnostics = new StringWriter();
        ScenarioReport sim, host;
        using (var target = new SimTarget(profile))
        {
            sim = ScenarioRunner.Run(scenario, target, TextWriter.Null, diagnostics);
        }

        using (var target = new HostScenarioTarget())
        {
            host = ScenarioRunner.Run(scenario, target, TextWriter.Null, diagnostics);
        }

        return new DifferentialRun(sim, host, ScenarioComparison.Compare(sim, host), diagnostics.ToString());
    }

    /// <summary>Every differing step as <c>FILE:LINE: STEP: sim 'X', host 'Y'</c>, one per line.</summary>
    public string DescribeDifferences()
    {
        var sb = new System.Text.StringBuilder();
        foreach (var d in Comparison.Differences)
        {
            sb.Append(System.Globalization.CultureInfo.InvariantCulture, $"{Sim.Scenario.Path}:{d.Step.Line}: {d.Step.Text}: sim '{d.First}', host '{d.Second}'\n");
        }

        return sb.ToString();
    }
}
