using Madvise.Scenarios.Steps;

namespace Madvise.Scenarios;

/// <summary>The outcome of running one scenario on one target.</summary>
public sealed class ScenarioReport
{
    /// <summary>Builds the report and its counts from the per-step outcomes.</summary>
    public ScenarioReport(Scenario scenario, string targetName, IReadOnlyList<StepReport> steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
        Scenario = scenario;
        TargetName = targetName;
        Steps = steps;
        foreach (var s in steps)
        {
            Deaths += s.TaskDeaths.Count;
            switch (s.Verdict)
            {
                case StepVerdict.Held:
                    Held++;
                    break;
                case StepVerdict.Mismatch:
                    Mismatches++;
                    break;
                case StepVerdict.Skipped:
                    Skipped++;
                    break;
                case StepVerdict.Error:
                    Errors++;
                    break;
                case StepVerdict.Divergent:
                    Divergent++;
                    break;
                case StepVerdict.NotChecked:
                    break;
            }
        }
    }

    /// <summary>The scenario that ran.</summary>
    public Scenario Scenario { get; }

    /// <summary>The target it ran on (<c>sim</c>, <c>host</c>, ...).</summary>
    public string TargetName { get; }

    /// <summary>One entry per step, in order.</summary>
    public IReadOnlyList<StepReport> Steps { get; }

    /// <summary>Steps whose expectation held.</summary>
    public int Held { get; }

    /// <summary>Steps whose result differed from their expectation.</summary>
    public int Mismatches { get; }

    /// <summary>Steps that printed <c>SKIP(...)</c>.</summary>
    public int Skipped { get; }

    /// <summary>Steps of a host-divergent file that ran past its divergence point on the host and were not compared.</summary>
    public int Divergent { get; }

    /// <summary>
    /// On the host, the step of a host-divergent file from which results are not compared
    /// (its first SKIP, or the step that carries the marker; ScenarioRunner.cs rule 9); else null.
    /// </summary>
    public StepReport? DivergencePoint { get; init; }

    /// <summary>Steps whose target threw (a target bug).</summary>
    public int Errors { get; }

    /// <summary>Tasks that died without an exit step (ScenarioRunner.cs rule 10).</summary>
    public int Deaths { get; }

    /// <summary>True when no expectation failed, no target error occurred and no task died.</summary>
    public bool Passed => Mismatches == 0 && Errors == 0 && Deaths == 0;
}
