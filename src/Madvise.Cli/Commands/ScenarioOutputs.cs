using System.CommandLine;
using Madvise.Cli.Report;
using Madvise.Scenarios;
using Madvise.Scenarios.Steps;

namespace Madvise.Cli.Commands;

/// <summary>The machine-readable outputs <c>madv run</c> and <c>madv check</c> share: <c>--json FILE</c> and <c>--junit FILE</c>.</summary>
internal sealed class ScenarioOutputs
{
    /// <summary>--json FILE.</summary>
    public Option<string?> Json { get; } = new("--json")
    {
        Description = "Also write the results as JSON: per file steps, held, mismatched, skipped, and each mismatch with line, expected and got (schema in the README).",
        HelpName = "FILE",
    };

    /// <summary>--junit FILE.</summary>
    public Option<string?> JUnit { get; } = new("--junit")
    {
        Description = "Also write the results as JUnit XML for CI systems: a test suite per file, a test case per checked step.",
        HelpName = "FILE",
    };

    /// <summary>Checks both files before any scenario runs (<see cref="OutputFiles.Check"/>); false after printing why.</summary>
    public bool CanWrite(CliContext context, ParseResult parse)
    {
        var problem = (parse.GetValue(Json) is { } json ? OutputFiles.Check("--json", json, ".json") : null)
            ?? (parse.GetValue(JUnit) is { } junit ? OutputFiles.Check("--junit", junit, ".xml") : null);
        if (problem is not null)
        {
            context.Error.WriteLine("madv: " + problem);
        }

        return problem is null;
    }

    /// <summary>Adds both options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(Json);
        command.Options.Add(JUnit);
    }

    /// <summary>Loads <paramref name="path"/>, printing a failure on the command's error stream and returning its text in <paramref name="message"/>.</summary>
    public static Scenario? Load(CliContext context, string path, out string? message)
    {
        var captured = new StringWriter();
        var scenario = ScenarioFiles.TryLoad(path, captured);
        message = scenario is null ? captured.ToString().TrimEnd() : null;
        context.Error.Write(captured.ToString());
        return scenario;
    }

    /// <summary>The checked steps of one run: every step with an expectation, as its verdict says.</summary>
    public static List<ScenarioCase> Cases(ScenarioReport report)
    {
        var cases = new List<ScenarioCase>();
        foreach (var s in report.Steps)
        {
            var outcome = s.Verdict switch
            {
                StepVerdict.Held => ScenarioCaseOutcome.Passed,
                StepVerdict.Mismatch => ScenarioCaseOutcome.Failed,
                StepVerdict.Skipped => ScenarioCaseOutcome.Skipped,
                StepVerdict.Error => ScenarioCaseOutcome.Error,
                StepVerdict.Divergent when s.Expected is not null => ScenarioCaseOutcome.Skipped,
                _ => (ScenarioCaseOutcome?)null,
            };
            if (outcome is { } o)
            {
                var message = s.Verdict == StepVerdict.Divergent ? "host-divergent: " + (s.Step.HostDivergent ?? report.Scenario.HostDivergent) : o == ScenarioCaseOutcome.Skipped ? s.Result : null;
                cases.Add(new ScenarioCase(s.Step.Line, s.Text, o, s.Expected, s.Result, message));
            }
        }

        return cases;
    }

    /// <summary>
    /// The compared steps of a sim/host pair, classified as <see cref="ScenarioComparison"/> does:
    /// skipped when either side printed SKIP, not compared (skipped) past a divergence point,
    /// else equal or different.
    /// </summary>
    public static List<ScenarioCase> Cases(ScenarioReport sim, ScenarioReport host)
    {
        var cases = new List<ScenarioCase>();
        for (var i = 0; i < sim.Steps.Count && i < host.Steps.Count; i++)
        {
            var a = sim.Steps[i];
            var b = host.Steps[i];
            var outcome = a.IsSkip || b.IsSkip || a.Verdict == StepVerdict.Divergent || b.Verdict == StepVerdict.Divergent
                ? ScenarioCaseOutcome.Skipped
                : a.Result == b.Result ? ScenarioCaseOutcome.Passed : ScenarioCaseOutcome.Failed;
            var message = outcome != ScenarioCaseOutcome.Skipped ? null
                : a.IsSkip ? "sim: " + a.Result
                : b.IsSkip ? "host: " + b.Result
                : "host-divergent";
            cases.Add(new ScenarioCase(a.Step.Line, a.Text, outcome, a.Result, b.Result, message));
        }

        return cases;
    }

    /// <summary>Writes the requested files; false (after saying why) when one cannot be written.</summary>
    public bool Write(CliContext context, ParseResult parse, string command, IReadOnlyList<ScenarioFileResult> results)
    {
        var ok = true;
        if (parse.GetValue(Json) is { } json)
        {
            ok &= OutputFiles.Try(context, json, () => AtomicFile.Write(json, s => ScenarioResultJson.Write(s, command, results)));
        }

        if (parse.GetValue(JUnit) is { } junit)
        {
            ok &= OutputFiles.Try(context, junit, () => AtomicFile.Write(junit, s => ScenarioJUnit.Write(s, "madv " + command, results)));
        }

        return ok;
    }
}
