using System.CommandLine;
using System.Globalization;
using Madvise.Cli.Help;
using Madvise.Cli.Report;
using Madvise.Scenarios;

namespace Madvise.Cli.Commands;

/// <summary><c>madv check FILE...</c>: runs scenarios on the simulated and the host kernel and lists the differences.</summary>
internal static class CheckCommand
{
    private const string Details = """
        Output:
          Each file runs on a fresh sim target and a fresh host target. Every step whose
          results differ is printed as 'FILE:LINE: STEP: sim 'X', host 'Y''; a step that
          prints SKIP(...) on either side is not compared, and '=> EXPECTED' parts are
          ignored. In a file marked '# @host-divergent: REASON', the steps from the first
          one the host skips (or from the step whose line carries the marker) are not
          compared either; they count as divergent. A summary closes the output: files,
          steps compared, differing, skipped, and divergent when there are any. Files are
          read and parse errors reported as by 'madv run' (see madv run --help).

        Exit codes:
          0  no step differs
          1  a step differs
          2  a file cannot be read or parsed, or a target is not available
          3  a task died during a scenario, as in madv run (wins over 1)

        Example:
          madv check tests/scenarios/*.scn
        """;

    /// <summary>Builds the command.</summary>
    public static Command Create(CliContext context)
    {
        var files = ScenarioFiles.CreateArgument("Scenario files to compare, in order.");
        var command = new Command("check", "Run scenario files on sim and host and list the steps whose results differ.") { files }.WithHelpDetails(Details);
        var outputs = new ScenarioOutputs();
        outputs.AddTo(command);
        command.SetAction(parse =>
        {
            if (!outputs.CanWrite(context, parse))
            {
                return ExitCodes.Usage;
            }

            var results = new List<ScenarioFileResult>();
            var code = Execute(context, parse.GetValue(files) ?? [], results);
            return outputs.Write(context, parse, "check", results) || code != ExitCodes.Success ? code : ExitCodes.Failure;
        });
        return command;
    }

    /// <summary>Runs every file on <c>sim</c> and <c>host</c> and compares step by step; each file's outcome is added to <paramref name="results"/> when given.</summary>
    public static int Execute(CliContext context, IReadOnlyList<string> files, List<ScenarioFileResult>? results = null)
    {
        if (!ScenarioFiles.CheckTargets(context, ScenarioTargets.Sim, ScenarioTargets.Host))
        {
            return ExitCodes.Usage;
        }

        var output = context.Out;
        var unreadable = false;
        int fileCount = 0, compared = 0, differ = 0, skipped = 0, divergent = 0, deaths = 0;
        foreach (var path in files)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var scenario = ScenarioOutputs.Load(context, path, out var loadError);
            if (scenario is null)
            {
                unreadable = true;
                results?.Add(new ScenarioFileResult(path, "sim,host", 0, [], loadError, clock.Elapsed.TotalSeconds));
                continue;
            }

            var sim = RunOn(context, scenario, ScenarioTargets.Sim);
            var host = sim is null ? null : RunOn(context, scenario, ScenarioTargets.Host);
            if (sim is null || host is null)
            {
                return ExitCodes.Usage;
            }

            var comparison = ScenarioComparison.Compare(sim, host);
            foreach (var d in comparison.Differences)
            {
                output.WriteLine($"{ScenarioFiles.Printable(path)}:{d.Step.Line}: {d.Step.Text}: sim '{d.First}', host '{d.Second}'");
            }

            foreach (var report in (ReadOnlySpan<ScenarioReport>)[sim, host])
            {
                foreach (var step in report.Steps)
                {
                    foreach (var death in step.TaskDeaths)
                    {
                        output.WriteLine($"{ScenarioFiles.Printable(path)}:{step.Step.Line}: task died on {report.TargetName}: {death} (noticed after '{step.Text}')");
                    }
                }

                deaths += report.Deaths;
            }

            results?.Add(new ScenarioFileResult(path, "sim,host", sim.Steps.Count, ScenarioOutputs.Cases(sim, host), null, clock.Elapsed.TotalSeconds));
            compared += comparison.Compared;
            differ += comparison.Differences.Count;
            skipped += comparison.Skipped;
            divergent += comparison.Divergent;
            fileCount++;
        }

        var summary = string.Create(
            CultureInfo.InvariantCulture,
            $"{fileCount} files, {compared} steps compared, {differ} differ, {skipped} skipped");
        if (divergent > 0)
        {
            summary += string.Create(CultureInfo.InvariantCulture, $", {divergent} divergent (host-divergent files)");
        }

        if (deaths > 0)
        {
            summary += deaths == 1 ? ", 1 task died" : string.Create(CultureInfo.InvariantCulture, $", {deaths} tasks died");
        }

        output.WriteLine(summary);
        return unreadable ? ExitCodes.Usage : deaths > 0 ? ExitCodes.TaskDied : differ > 0 ? ExitCodes.Failure : ExitCodes.Success;
    }

    private static ScenarioReport? RunOn(CliContext context, Madvise.Scenarios.Steps.Scenario scenario, string targetName)
    {
        using var target = ScenarioFiles.TryCreateTarget(context, targetName);
        return target is null ? null : ScenarioRunner.Run(scenario, target, TextWriter.Null, context.Error);
    }
}
