using System.Globalization;
using System.Text.Json;
using System.Xml;
using System.Xml.Linq;
using Madvise.Cli;
using Madvise.Kernel;
using Madvise.Scenarios.Sim;
using Madvise.Scenarios.Steps;

namespace Madvise.Scenarios.Tests.Fuzzing;

/// <summary>
/// Runs one mutant as <c>madv run FILE --target sim</c> would, under a timeout, and says what
/// went wrong. A mutant the parser refuses (or that is over the size limit) goes through madv
/// itself (<see cref="Program.Run"/>, in this process), which must exit 2 with at most
/// <see cref="MaxErrorChars"/> of messages and no control character. A mutant that parses
/// runs on a <see cref="SimTarget"/> of <see cref="KernelMemory"/> with the scenario runner:
/// no step may end in a target exception or a kernel oops (a config the target cannot take,
/// <c>ERROR(config: ...)</c>, is an answer), the output has no control character, and
/// afterwards the kernel passes <see cref="SimKernelAudit"/>. Every <see cref="ReportEvery"/>th
/// mutant also goes through <c>madv run --json --junit</c>, and both files
/// must be well-formed.
/// </summary>
internal sealed class MutantRunner
{
    /// <summary>RAM of each simulated kernel: enough for every corpus file, small enough that no mutant can take the host's memory.</summary>
    public const ulong KernelMemory = 256UL << 20;

    /// <summary>The most a refused mutant may write to standard error: 21 lines of a few hundred characters.</summary>
    public const int MaxErrorChars = 16_384;

    /// <summary>One mutant in this many is also run with --json and --junit.</summary>
    public const int ReportEvery = 8;

    /// <summary>Characters of a step or result quoted in a failure.</summary>
    private const int Quoted = 300;

    private readonly TimeSpan _timeout;

    /// <summary>A folder for the mutant file madv reads.</summary>
    private readonly string _dir;

    /// <summary>Creates a runner that gives each mutant <paramref name="timeout"/> and writes files into <paramref name="dir"/>.</summary>
    public MutantRunner(TimeSpan timeout, string dir)
    {
        _timeout = timeout;
        _dir = dir;
    }

    /// <summary>The kernel profile mutant <paramref name="index"/> runs under (they take turns).</summary>
    public static KernelProfile Profile(int index)
    {
        var profiles = Enum.GetValues<KernelProfile>();
        return profiles[index % profiles.Length];
    }

    /// <summary>Runs <paramref name="mutant"/>; a hang is reported after the timeout (its thread is left behind).</summary>
    public MutantOutcome Run(Mutant mutant)
    {
        var progress = new Progress();
        var work = Task.Run(() =>
        {
            var outcome = RunUnbounded(mutant, progress);
            if (outcome.Failure is null && mutant.Index % ReportEvery == 0)
            {
                progress.Phase = "madv run --json --junit";
                return ReportFiles(mutant) is { } broken ? outcome with { Fate = MutantFate.Failed, Failure = broken } : outcome;
            }

            return outcome;
        });
        try
        {
            if (!work.Wait(_timeout))
            {
                return new MutantOutcome(MutantFate.Hung, 0, string.Create(CultureInfo.InvariantCulture, $"no result after {_timeout.TotalSeconds:0} s, in: {progress.Phase}"));
            }
        }
        catch (AggregateException ex)
        {
            return new MutantOutcome(MutantFate.Crashed, 0, $"{progress.Phase} threw {ex.InnerException}");
        }

        return work.Result;
    }

    private MutantOutcome RunUnbounded(Mutant mutant, Progress progress)
    {
        progress.Phase = "parsing";
        Scenario? scenario;
        try
        {
            scenario = ScenarioParser.ParseUtf8(mutant.Bytes, "mutant.scn");
        }
        catch (ScenarioParseException)
        {
            scenario = null;
        }

        if (scenario is null || mutant.Bytes.Length > ScenarioFileReader.MaxBytes)
        {
            progress.Phase = "madv run of a file it refuses";
            var wrong = RefusedByMadv(mutant);
            return new MutantOutcome(wrong is null ? MutantFate.Refused : MutantFate.Failed, 0, wrong);
        }

        progress.Phase = "running on the sim target";
        var target = new SimTarget(Profile(mutant.Index), KernelConfig.Default with { MemoryBytes = KernelMemory });
        try
        {
            var output = new StringWriter();
            var diagnostics = new StringWriter();
            var report = ScenarioRunner.Run(scenario, target, output, diagnostics);
            var steps = report.Steps.Count;
            foreach (var step in report.Steps)
            {
                if (step.Verdict == StepVerdict.Error && !step.Result.StartsWith("ERROR(config:", StringComparison.Ordinal))
                {
                    var cause = diagnostics.ToString().Split('\n').FirstOrDefault(l => l.Contains(":" + step.Step.Line.ToString(CultureInfo.InvariantCulture) + ":", StringComparison.Ordinal));
                    return new MutantOutcome(MutantFate.Failed, steps, $"line {step.Step.Line} '{Cut(step.Text)}' = {Cut(step.Result)}; {Cut(cause ?? "")}");
                }
            }

            if (ControlCharacter(output.ToString()) is { } c)
            {
                return new MutantOutcome(MutantFate.Failed, steps, "the runner printed " + c);
            }

            var audit = new SimKernelAudit();
            progress.Audit = audit;
            return audit.Check(target.Kernel) is { } broken
                ? new MutantOutcome(MutantFate.Failed, steps, "after the run: " + broken)
                : new MutantOutcome(MutantFate.Ran, steps, null);
        }
        finally
        {
            target.Dispose();
        }
    }

    /// <summary>madv run of a mutant it must refuse: null when it does so as promised, else what it did.</summary>
    private string? RefusedByMadv(Mutant mutant)
    {
        var path = Path.Combine(_dir, "mutant.scn");
        File.WriteAllBytes(path, mutant.Bytes);
        var targets = new ScenarioTargets().Register(ScenarioTargets.Sim, () => new SimTarget(Profile(mutant.Index), KernelConfig.Default with { MemoryBytes = KernelMemory }));
        var output = new StringWriter();
        var error = new StringWriter();
        var code = Program.Run(["run", path, "--target", "sim"], targets, output, error);
        var stderr = error.ToString();
        if (code != ExitCodes.Usage)
        {
            return string.Create(CultureInfo.InvariantCulture, $"madv run exited {code} for a file it cannot parse, not {ExitCodes.Usage}");
        }

        if (stderr.Length > MaxErrorChars)
        {
            return string.Create(CultureInfo.InvariantCulture, $"madv run wrote {stderr.Length} characters to standard error");
        }

        return ControlCharacter(output.ToString() + stderr) is { } c ? "madv run printed " + c : null;
    }

    /// <summary>madv run with --json and --junit: null when it wrote both and both are well-formed, else what went wrong.</summary>
    private string? ReportFiles(Mutant mutant)
    {
        var path = Path.Combine(_dir, "mutant.scn");
        var json = Path.Combine(_dir, "report.json");
        var junit = Path.Combine(_dir, "report.xml");
        File.WriteAllBytes(path, mutant.Bytes);
        File.Delete(json);
        File.Delete(junit);
        var targets = new ScenarioTargets().Register(ScenarioTargets.Sim, () => new SimTarget(Profile(mutant.Index), KernelConfig.Default with { MemoryBytes = KernelMemory }));
        var error = new StringWriter();
        var code = Program.Run(["run", path, "--target", "sim", "--json", json, "--junit", junit], targets, TextWriter.Null, error);
        if (!File.Exists(json) || !File.Exists(junit))
        {
            return string.Create(CultureInfo.InvariantCulture, $"madv run --json --junit (exit {code}) did not write both files: {Cut(error.ToString())}");
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(json));
            if (document.RootElement.GetProperty("files").GetArrayLength() != 1)
            {
                return "the JSON report does not hold exactly one file";
            }
        }
        catch (JsonException ex)
        {
            return "the JSON report is not JSON: " + ex.Message;
        }

        try
        {
            return XDocument.Load(junit).Root?.Name.LocalName == "testsuites" ? null : "the JUnit report's root is not <testsuites>";
        }
        catch (XmlException ex)
        {
            return "the JUnit report is not XML: " + ex.Message;
        }
    }

    /// <summary>The first control character of <paramref name="text"/> other than a line end, named, or null.</summary>
    private static string? ControlCharacter(string text)
    {
        foreach (var c in text)
        {
            if (c != '\n' && !char.IsSurrogate(c) && PrintableText.NeedsEscape(c))
            {
                return "control character " + PrintableText.Name(c);
            }
        }

        return null;
    }

    private static string Cut(string text) => text.Length > Quoted ? text[..Quoted] + "..." : text;

    /// <summary>Where a mutant's run is, for the report of a hang.</summary>
    private sealed class Progress
    {
        private volatile string _phase = "starting";

        public string Phase
        {
            get => Audit is { } audit ? "audit after the run: " + audit.Phase : _phase;
            set => _phase = value;
        }

        public SimKernelAudit? Audit { get; set; }
    }
}

/// <summary>What became of a mutant.</summary>
internal enum MutantFate
{
    /// <summary>madv refused it (a parse error or too large), as it should.</summary>
    Refused,

    /// <summary>It parsed, ran, and the kernel passed the audit.</summary>
    Ran,

    /// <summary>Something did not hold.</summary>
    Failed,

    /// <summary>An exception escaped.</summary>
    Crashed,

    /// <summary>No result within the timeout.</summary>
    Hung,
}

/// <summary>The outcome of one mutant.</summary>
/// <param name="Fate">What became of it.</param>
/// <param name="Steps">Steps the runner ran.</param>
/// <param name="Failure">What went wrong, or null.</param>
internal sealed record MutantOutcome(MutantFate Fate, int Steps, string? Failure);
