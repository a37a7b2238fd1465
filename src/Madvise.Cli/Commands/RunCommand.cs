using System.CommandLine;
using System.Globalization;
using Madvise.Cli.Help;
using Madvise.Cli.Report;
using Madvise.Scenarios;

namespace Madvise.Cli.Commands;

/// <summary><c>madv run FILE... [--target sim|host]</c>: runs scenarios and checks their expectations.</summary>
internal static class RunCommand
{
    private const string Details = """
        Output:
          'STEP = RESULT' for every step of every file (STEP in normalised form), then each
          failed expectation as 'FILE:LINE: mismatch: STEP: expected 'X', got 'Y'', then a
          summary: files, steps, expectations held, mismatches, skipped. A step that prints
          SKIP(...) is not compared. On the host, a file marked '# @host-divergent: REASON'
          is compared only up to its first skipped step (or the step whose line carries the
          marker): 'FILE:LINE: host-divergent from here: REASON' says where, and the later
          steps count as divergent, not as mismatches. A file that cannot be parsed is
          reported on stderr as 'FILE:LINE:COL: parse error: MESSAGE', every error of it up
          to 20, then 'FILE: N more parse errors'; the other files still run.

        Input:
          A scenario file is UTF-8 text of at most 1 MiB. A larger file (or /dev/zero), a
          directory, or a file that cannot be opened is reported as 'FILE: cannot read: WHY';
          a binary file (a NUL byte), a line that is not UTF-8 or that holds a control
          character is a parse error. Text quoted from a file is cut to 64 characters, with
          control characters escaped (\e, \x07, \u202e). The --json and --junit files are
          checked before the first scenario runs (a name ending in .json or .xml, in a
          directory that exists and takes a new file).

        A task that dies without its 'exit' step (on the host an agent or forked process
        killed by a signal or crashed: 'kill -9' during a run) is reported at the step after
        which it was noticed, on stderr at once ('FILE:LINE: task B (pid N) was killed by
        SIGKILL') and in the list after the run ('FILE:LINE: task died: ...'); its later steps
        print -ESRCH, and the summary counts 'N tasks died'.

        Exit codes:
          0  every expectation held
          1  an expectation did not hold, or a target failed on a step
          2  a file cannot be read or parsed, or the target is not available
          3  a task died during a scenario (wins over 1)

        Example:
          madv run tests/scenarios/madv-dontneed-anon.scn --target host

        The scenario language (every step, its arguments and result, vectors, vmas and
        smaps output, SKIP rules, markers, a worked example): docs/scenario-language.md
        in the madvise-sim repository.
        """;

    /// <summary>Builds the command.</summary>
    public static Command Create(CliContext context)
    {
        var files = ScenarioFiles.CreateArgument("Scenario files to run, in order.");
        var target = new Option<string>("--target", "-t")
        {
            Description = "The kernel to run on: sim (the simulated kernel) or host (the running Linux kernel).",
            HelpName = "sim|host",
            DefaultValueFactory = _ => ScenarioTargets.Sim,
        };
        var command = new Command("run", "Run scenario files on one target and check their expectations.") { files, target }.WithHelpDetails(Details);
        var outputs = new ScenarioOutputs();
        outputs.AddTo(command);
        command.SetAction(parse =>
        {
            if (!outputs.CanWrite(context, parse))
            {
                return ExitCodes.Usage;
            }

            var results = new List<ScenarioFileResult>();
            var code = Execute(context, parse.GetValue(files) ?? [], parse.GetValue(target) ?? ScenarioTargets.Sim, results);
            return outputs.Write(context, parse, "run", results) || code != ExitCodes.Success ? code : ExitCodes.Failure;
        });
        return command;
    }

    /// <summary>Runs every file on a fresh target of <paramref name="targetName"/>; each file's outcome is added to <paramref name="results"/> when given.</summary>
    public static int Execute(CliContext context, IReadOnlyList<string> files, string targetName, List<ScenarioFileResult>? results = null)
    {
        // Fail before printing anything: without the target no file can run.
        if (!ScenarioFiles.CheckTargets(context, targetName))
        {
            return ExitCodes.Usage;
        }

        var output = context.Out;
        var unreadable = false;
        int fileCount = 0, steps = 0, held = 0, mismatches = 0, skipped = 0, divergent = 0, errors = 0, deaths = 0;
        foreach (var path in files)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var scenario = ScenarioOutputs.Load(context, path, out var loadError);
            if (scenario is null)
            {
                unreadable = true;
                results?.Add(new ScenarioFileResult(path, targetName, 0, [], loadError, clock.Elapsed.TotalSeconds));
                continue;
            }

            ScenarioReport report;
            using (var target = ScenarioFiles.TryCreateTarget(context, targetName))
            {
                if (target is null)
                {
                    return ExitCodes.Usage;
                }

                output.WriteLine("# " + ScenarioFiles.Printable(path));
                report = ScenarioRunner.Run(scenario, target, output, context.Error);
            }

            foreach (var step in report.Steps)
            {
                if (ReferenceEquals(step, report.DivergencePoint))
                {
                    output.WriteLine($"{ScenarioFiles.Printable(path)}:{step.Step.Line}: host-divergent from here: {step.Step.HostDivergent ?? scenario.HostDivergent}");
                }

                if (step.Verdict == StepVerdict.Mismatch)
                {
                    output.WriteLine($"{ScenarioFiles.Printable(path)}:{step.Step.Line}: mismatch: {step.Text}: expected '{step.Expected}', got '{step.Result}'");
                }
                else if (step.Verdict == StepVerdict.Error)
                {
                    output.WriteLine($"{ScenarioFiles.Printable(path)}:{step.Step.Line}: error: {step.Text}: {step.Result}");
                }

                foreach (var death in step.TaskDeaths)
                {
                    output.WriteLine($"{ScenarioFiles.Printable(path)}:{step.Step.Line}: task died: {death} (noticed after '{step.Text}')");
                }
            }

            results?.Add(new ScenarioFileResult(path, targetName, report.Steps.Count, ScenarioOutputs.Cases(report), null, clock.Elapsed.TotalSeconds));
            fileCount++;
            steps += report.Steps.Count;
            held += report.Held;
            mismatches += report.Mismatches;
            skipped += report.Skipped;
            divergent += report.Divergent;
            errors += report.Errors;
            deaths += report.Deaths;
        }

        var summary = string.Create(
            CultureInfo.InvariantCulture,
            $"{fileCount} files, {steps} steps, {held} expectations held, {mismatches} mismatches, {skipped} skipped");
        if (divergent > 0)
        {
            summary += string.Create(CultureInfo.InvariantCulture, $", {divergent} divergent (host-divergent files)");
        }

        if (errors > 0)
        {
            summary += string.Create(CultureInfo.InvariantCulture, $", {errors} target errors");
        }

        if (deaths > 0)
        {
            summary += deaths == 1 ? ", 1 task died" : string.Create(CultureInfo.InvariantCulture, $", {deaths} tasks died");
        }

        output.WriteLine(summary);
        return unreadable ? ExitCodes.Usage : deaths > 0 ? ExitCodes.TaskDied : mismatches + errors > 0 ? ExitCodes.Failure : ExitCodes.Success;
    }
}
