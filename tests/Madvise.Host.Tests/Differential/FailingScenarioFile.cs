using System.Globalization;
using System.Text;
using Madvise.Scenarios;

namespace Madvise.Host.Tests.Differential;

/// <summary>
/// Writes a failing random scenario as a <c>.scn</c> file a human can run: every step carries
/// the host's result as its expectation (so <c>madv run --target sim</c> lists the divergence and
/// scnhost.py checks the host side), and every differing step says what the sim printed.
/// </summary>
internal static class FailingScenarioFile
{
    /// <summary>Writes <paramref name="scenario"/> with the results of <paramref name="run"/>; returns the path.</summary>
    /// <param name="scenario">The (minimized) scenario.</param>
    /// <param name="run">Its run: the line numbers of its steps are those of <see cref="RandomScenario.Render()"/>.</param>
    /// <param name="header">Comment lines for the top of the file (what failed, the seed).</param>
    public static string Write(RandomScenario scenario, DifferentialRun run, IReadOnlyList<string> header)
    {
        var lines = scenario.Render().TrimEnd('\n').Split('\n');
        var suffix = new string[lines.Length];
        foreach (var step in run.Host.Steps)
        {
            var i = step.Step.Line - 1;
            suffix[i] = step.Result.Length == 0 || step.IsSkip ? "" : " => " + step.Result;
        }

        foreach (var d in run.Comparison.Differences)
        {
            suffix[d.Step.Line - 1] += $"   # sim: {d.First}";
        }

        foreach (var step in run.Sim.Steps)
        {
            if (step.IsSkip || step.Verdict == StepVerdict.Error)
            {
                suffix[step.Step.Line - 1] += $"   # sim: {step.Result}";
            }
        }

        foreach (var step in run.Host.Steps)
        {
            if (step.IsSkip || step.Verdict == StepVerdict.Error)
            {
                suffix[step.Step.Line - 1] += $"   # host: {step.Result}";
            }
        }

        var sb = new StringBuilder();
        foreach (var h in header)
        {
            sb.Append("# ").Append(h).Append('\n');
        }

        for (var i = 0; i < lines.Length; i++)
        {
            sb.Append(lines[i]).Append(suffix[i]).Append('\n');
        }

        Directory.CreateDirectory(RepositoryPaths.FailureDirectory);
        var path = Path.Combine(
            RepositoryPaths.FailureDirectory,
            string.Create(CultureInfo.InvariantCulture, $"diverge-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Environment.ProcessId}.scn"));
        File.WriteAllText(path, sb.ToString());
        return path;
    }
}
