using Madvise.Scenarios.Steps;

namespace Madvise.Scenarios;

/// <summary>
/// Step-by-step comparison of one scenario run on two targets (<c>madv check</c>, the
/// differential tests): the one rule for which steps count as differing.
/// </summary>
/// <remarks>
/// A step is compared when it printed neither <c>SKIP(...)</c> nor a <see cref="StepVerdict.Divergent"/>
/// result on either side; then it differs when the result strings differ (an <c>ERROR(...)</c>
/// on one side differs from any answer on the other). Expectations play no part.
/// </remarks>
public sealed class ScenarioComparison
{
    private ScenarioComparison(string first, string second, IReadOnlyList<StepDifference> differences, int compared, int skipped, int divergent)
    {
        FirstTarget = first;
        SecondTarget = second;
        Differences = differences;
        Compared = compared;
        Skipped = skipped;
        Divergent = divergent;
    }

    /// <summary>The target of the first report (e.g. <c>sim</c>).</summary>
    public string FirstTarget { get; }

    /// <summary>The target of the second report (e.g. <c>host</c>).</summary>
    public string SecondTarget { get; }

    /// <summary>The compared steps whose results differ, in file order.</summary>
    public IReadOnlyList<StepDifference> Differences { get; }

    /// <summary>Steps compared.</summary>
    public int Compared { get; }

    /// <summary>Steps not compared because one side printed <c>SKIP(...)</c>.</summary>
    public int Skipped { get; }

    /// <summary>Steps not compared because one side ran them past a host-divergent file's divergence point.</summary>
    public int Divergent { get; }

    /// <summary>Compares two runs of the same scenario.</summary>
    /// <exception cref="ArgumentException">The reports are not of the same scenario.</exception>
    public static ScenarioComparison Compare(ScenarioReport first, ScenarioReport second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        if (!ReferenceEquals(first.Scenario, second.Scenario) || first.Steps.Count != second.Steps.Count)
        {
            throw new ArgumentException("the reports are not runs of one scenario", nameof(second));
        }

        var differences = new List<StepDifference>();
        int compared = 0, skipped = 0, divergent = 0;
        for (var i = 0; i < first.Steps.Count; i++)
        {
            var a = first.Steps[i];
            var b = second.Steps[i];
            if (a.IsSkip || b.IsSkip)
            {
                skipped++;
                continue;
            }

            if (a.Verdict == StepVerdict.Divergent || b.Verdict == StepVerdict.Divergent)
            {
                divergent++;
                continue;
            }

            compared++;
            if (a.Result != b.Result)
            {
                differences.Add(new StepDifference(a.Step, a.Result, b.Result));
            }
        }

        return new ScenarioComparison(first.TargetName, second.TargetName, differences, compared, skipped, divergent);
    }
}
