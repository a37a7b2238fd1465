namespace Madvise.Host.Tests.Differential;

/// <summary>
/// Cuts a failing <see cref="RandomScenario"/> down after CsCheck's shrinking: removes chunks of
/// steps, then single steps, keeping every removal after which the scenario still fails, until
/// no single step can go. CsCheck shrinks by searching for smaller failing samples, which finds
/// a short sequence; this pass makes it minimal (every remaining step is needed).
/// </summary>
internal static class DivergenceMinimizer
{
    /// <summary>The smallest scenario found that still fails, with its run.</summary>
    /// <param name="scenario">A scenario whose run fails.</param>
    /// <param name="run">Runs a scenario (on both targets, in the tests).</param>
    /// <param name="fails">True when a run still shows the failure.</param>
    public static (RandomScenario Scenario, TRun Run) Minimize<TRun>(
        RandomScenario scenario, Func<RandomScenario, TRun> run, Func<TRun, bool> fails)
    {
        var best = scenario;
        var bestRun = run(best);
        if (!fails(bestRun))
        {
            // Not reproducible (the failure depended on timing): report it as it was.
            return (best, bestRun);
        }

        for (var chunk = Math.Max(1, best.Steps.Count / 2); chunk >= 1; chunk /= 2)
        {
            var removed = true;
            while (removed)
            {
                removed = false;
                for (var start = best.Steps.Count - chunk; start >= 0; start -= chunk)
                {
                    var keep = new List<GenStep>(best.Steps.Count);
                    for (var i = 0; i < best.Steps.Count; i++)
                    {
                        if (i < start || i >= start + chunk)
                        {
                            keep.Add(best.Steps[i]);
                        }
                    }

                    var candidate = best.WithSteps(keep);
                    var candidateRun = run(candidate);
                    if (fails(candidateRun))
                    {
                        // Steps below start keep their places, so the walk goes on downwards.
                        (best, bestRun, removed) = (candidate, candidateRun, true);
                    }
                }
            }
        }

        return MinimizeForkBlocks(best, bestRun, run, fails);
    }

    /// <summary>Then the steps inside each fork block, one at a time, and a block's exit.</summary>
    private static (RandomScenario Scenario, TRun Run) MinimizeForkBlocks<TRun>(
        RandomScenario best, TRun bestRun, Func<RandomScenario, TRun> run, Func<TRun, bool> fails)
    {
        for (var i = 0; i < best.Steps.Count; i++)
        {
            for (var k = best.Steps[i].Children.Count; k >= 0; k--)
            {
                var block = best.Steps[i];
                if (block.Keyword != "fork" || (k == block.Children.Count && !block.ExitChild))
                {
                    continue;
                }

                var smaller = k == block.Children.Count
                    ? block with { ExitChild = false }
                    : block with { Children = [.. block.Children.Where((_, j) => j != k)] };
                var candidate = best.WithSteps([.. best.Steps.Select((s, j) => j == i ? smaller : s)]);
                var candidateRun = run(candidate);
                if (fails(candidateRun))
                {
                    (best, bestRun) = (candidate, candidateRun);
                }
            }
        }

        return (best, bestRun);
    }
}
