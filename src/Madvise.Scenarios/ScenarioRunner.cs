// The scenario runner: everything that is the same on every target (spec "Runner rules").
// Where the original specification is silent it does what the independent reference runner does, except where noted:
//
//  1. A mapping name is bound when its mmap prints "ok". Any other outcome of that mmap
//     (-ERRNO, SKIP) leaves the name unbound, even if an earlier mmap had bound it: the spec
//     says the name of a failed mmap is unbound (scnhost.py keeps the earlier address). The
//     same holds for file and pidfd names.
//  2. A step that uses an unbound mapping name prints SKIP(unbound NAME), checked in argument
//     order (mmap: fd=, then at=). An mmap whose fd= names a file whose step failed prints
//     SKIP(unbound FILE); a pmadvise whose PIDFD names a pidfd whose step failed with -ERRNO
//     prints -EBADF (it is a bad descriptor), both as scnhost.py. A pmadvise whose PIDFD names
//     a pidfd whose step printed SKIP(...) (its task's creation was skipped, e.g. a fork on a host without the fork server)
//     prints that same SKIP: the descriptor would exist on a target that ran the step, so
//     -EBADF would be a result the scenario never meant.
//  3. Order of checks for a step: config SKIP; then, for a step run "in" a task, that task's
//     creation SKIP or -ESRCH (creation failed or task exited; the prefix has no effect on
//     task, exit, setuid and dropcap); then unbound names; then the target.
//  4. A task whose creation printed -ERRNO (or ERROR, or -ESRCH because the forking task had
//     exited) does not exist: steps in it, and steps that name it (pidfd, exit, setuid,
//     dropcap), print -ESRCH. One whose creation printed SKIP(...) makes them print that SKIP.
//  5. exit/setuid/dropcap of an exited task print -ESRCH; pidfd of an exited task is asked
//     of the target (a zombie still has a pid on Linux).
//  6. A target result of TargetResult.NotSupported prints SKIP(KEYWORD TASK), TASK being the
//     task the step acts on: setuid self on the host prints SKIP(setuid self).
//  7. read and write of LEN 0 print "" and "0" without asking the target; vmas of LEN 0
//     prints "[]". mincore of LEN 0 is asked of the target (Linux still checks the address:
//     an unaligned one gives -EINVAL) and prints "" on success. mincore of more than 2^24
//     pages prints SKIP(mincore range too large) on every target.
//  8. A target that throws is a bug in the target: the step prints ERROR(Type: message),
//     the exception goes to the diagnostics writer and the run goes on with the next step.
//  9. Host-divergent files (tests/scenarios/README.md). On the host target, a file marked
//     "# @host-divergent: REASON" is compared up to its divergence point: the first step that
//     prints SKIP(...), or the first step whose own line carries the marker, whichever comes
//     first. That step and every later one still run and print, but a result that is not
//     SKIP or ERROR gets the verdict Divergent: its expectation is not checked, and madv check
//     does not compare it with the simulated kernel. Why from the first SKIP on: the step
//     that was skipped (e.g. a fork where the host target has no fork server) may change what every later step
//     sees (a child writing shared memory, COW state), and the runner cannot tell which later
//     steps depend on it. On the sim target, and in unmarked files, markers change nothing.
// 10. A task that dies without an exit step (on the host an agent or fork server killed by a
//     signal, crashed or no longer answering; ITargetTask.CheckDeath) is reported at the step
//     after which the runner noticed it: every task is asked after every step. The step keeps
//     its result (a step in the dead task prints -ESRCH, as in an exited task, and later ones
//     too); its report carries the death (StepReport.TaskDeaths), the diagnostics writer gets
//     "FILE:LINE: task B (pid N) was killed by SIGKILL", and the report counts it
//     (ScenarioReport.Deaths): the run failed, whatever the expectations say.
using Madvise.Abi;
using Madvise.Scenarios.Steps;

namespace Madvise.Scenarios;

/// <summary>
/// Runs a <see cref="Scenario"/> on an <see cref="IScenarioTarget"/>, streaming
/// <c>TEXT = RESULT</c> lines and returning a <see cref="ScenarioReport"/>.
/// </summary>
public sealed partial class ScenarioRunner
{
    /// <summary>The scenario being run.</summary>
    private readonly Scenario _scenario;

    /// <summary>The kernel the steps run on.</summary>
    private readonly IScenarioTarget _target;

    /// <summary>Receives one <c>TEXT = RESULT</c> line per step.</summary>
    private readonly TextWriter _output;

    /// <summary>Receives config mismatch reasons and target exceptions.</summary>
    private readonly TextWriter _diagnostics;

    /// <summary>Mapping name → address, for names whose latest mmap succeeded.</summary>
    private readonly Dictionary<string, ulong> _mappings = new(StringComparer.Ordinal);

    /// <summary>File name → file, for names whose latest file step succeeded.</summary>
    private readonly Dictionary<string, ITargetFile> _files = new(StringComparer.Ordinal);

    /// <summary>Pidfd name → pidfd, for names whose latest pidfd step succeeded.</summary>
    private readonly Dictionary<string, ITargetPidfd> _pidfds = new(StringComparer.Ordinal);

    /// <summary>Pidfd name → the <c>SKIP(...)</c> its latest pidfd step printed; uses of the name print it too.</summary>
    private readonly Dictionary<string, string> _skippedPidfds = new(StringComparer.Ordinal);

    /// <summary>Task name → task or creation failure; holds <c>self</c> from the start.</summary>
    private readonly Dictionary<string, RunnerTask> _tasks = new(StringComparer.Ordinal);

    /// <summary>Set when a config step could not be matched: every later step prints <c>SKIP(config)</c>.</summary>
    private bool _configSkip;

    /// <summary>True when the file is marked host-divergent and runs on the host target (rule 9).</summary>
    private readonly bool _hostDivergentFile;

    /// <summary>Set at the divergence point of a host-divergent file: later results are not compared (rule 9).</summary>
    private bool _diverged;

    /// <summary>The step where <see cref="_diverged"/> was set, or null.</summary>
    private StepReport? _divergencePoint;

    /// <summary>Tasks whose death was reported (rule 10): each is reported once.</summary>
    private readonly HashSet<ITargetTask> _reportedDeaths = [];

    private ScenarioRunner(Scenario scenario, IScenarioTarget target, TextWriter output, TextWriter diagnostics)
    {
        _hostDivergentFile = scenario.HostDivergent is not null && target.Name == ScenarioTargets.Host;
        _scenario = scenario;
        _target = target;
        _output = output;
        _diagnostics = diagnostics;
        _tasks["self"] = new RunnerTask(target.Self, null);
    }

    /// <summary>
    /// Runs every step of <paramref name="scenario"/> on <paramref name="target"/>, which must
    /// be fresh (each file runs in a fresh task <c>self</c>). The target is not disposed.
    /// </summary>
    /// <param name="scenario">The parsed scenario.</param>
    /// <param name="target">A fresh target.</param>
    /// <param name="output">Receives <c>TEXT = RESULT</c> per step as it completes.</param>
    /// <param name="diagnostics">Receives config mismatch reasons and target exceptions; null discards them.</param>
    public static ScenarioReport Run(Scenario scenario, IScenarioTarget target, TextWriter output, TextWriter? diagnostics = null)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(output);
        var runner = new ScenarioRunner(scenario, target, output, diagnostics ?? TextWriter.Null);
        var reports = new List<StepReport>(scenario.Steps.Count);
        foreach (var step in scenario.Steps)
        {
            reports.Add(runner.RunStep(scenario, step));
        }

        return new ScenarioReport(scenario, target.Name, reports) { DivergencePoint = runner._divergencePoint };
    }

    private StepReport RunStep(Scenario scenario, Step step)
    {
        string result;
        StepVerdict verdict;
        try
        {
            result = Execute(step);
            verdict = ScenarioResults.IsSkip(result) ? StepVerdict.Skipped
                : step.Expected is null ? StepVerdict.NotChecked
                : ScenarioLexer.FoldWhitespace(result) == step.Expected ? StepVerdict.Held
                : StepVerdict.Mismatch;
        }
#pragma warning disable CA1031 // A target bug must not stop the other steps; it is reported, not hidden.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            result = $"ERROR({ex.GetType().Name}: {ex.Message})";
            verdict = StepVerdict.Error;
            _diagnostics.WriteLine($"{scenario.Path}:{step.Line}: {_target.Name} target threw on '{step.Text}': {ex}");
        }

        step.Completed(this, result, verdict == StepVerdict.Skipped);
        var divergesHere = false;
        if (_hostDivergentFile && !_diverged && (step.HostDivergent is not null || verdict == StepVerdict.Skipped))
        {
            _diverged = true;
            divergesHere = true;
        }

        if (_diverged && verdict is StepVerdict.Held or StepVerdict.Mismatch or StepVerdict.NotChecked)
        {
            verdict = StepVerdict.Divergent;
        }

        var deaths = NoticeDeaths();
        foreach (var death in deaths)
        {
            _diagnostics.WriteLine($"{PrintableText.Escape(scenario.Path, int.MaxValue)}:{step.Line}: {death}");
        }

        _output.WriteLine(step.Text + " = " + result);

        var report = new StepReport(step, result, verdict) { TaskDeaths = deaths };
        if (divergesHere)
        {
            _divergencePoint = report;
        }

        return report;
    }

    /// <summary>Asks every task whether it died (rule 10); the deaths not reported before.</summary>
    private IReadOnlyList<string> NoticeDeaths()
    {
        List<string>? deaths = null;
        foreach (var slot in _tasks.Values)
        {
            if (slot.Task is { } task && !_reportedDeaths.Contains(task) && task.CheckDeath() is { } death)
            {
                _reportedDeaths.Add(task);
                (deaths ??= []).Add(death);
            }
        }

        return deaths is null ? [] : deaths;
    }

    private string Execute(Step step)
    {
        if (step is ConfigStep)
        {
            return step.Execute(this);
        }

        if (_configSkip)
        {
            return ScenarioResults.ConfigSkip;
        }

        step.Unbind(this);
        return step.Execute(this);
    }

    /// <summary>The address <paramref name="address"/> names, or false with <paramref name="unbound"/> set to <c>SKIP(unbound NAME)</c>.</summary>
    internal bool TryResolve(AddressExpression address, out ulong value, out string unbound)
    {
        unbound = "";
        value = 0;
        if (address.Name is null)
        {
            value = address.Offset;
            return true;
        }

        if (!_mappings.TryGetValue(address.Name, out var start))
        {
            unbound = Unbound(address.Name);
            return false;
        }

        value = address.Resolve(start);
        return true;
    }

    /// <summary><c>0</c> for a success, else the failure (<see cref="Failure"/>).</summary>
    internal static string Status(ITargetTask task, Step step, long r) => r >= 0 ? "0" : Failure(task, step, r);

    /// <summary><c>-ERRNO</c>, or <c>SKIP(KEYWORD TASK)</c> for <see cref="TargetResult.NotSupported"/> (rule 6).</summary>
    internal static string Failure(ITargetTask task, Step step, long r) =>
        r == TargetResult.NotSupported ? NotSupported(task, step) : ScenarioResults.Errno(r);

    /// <summary><c>SKIP(KEYWORD TASK)</c> (rule 6).</summary>
    internal static string NotSupported(ITargetTask task, Step step) => ScenarioResults.Skip(step.Keyword + " " + task.Name);

    /// <summary>What a step that needs a task whose creation failed prints: its SKIP, or -ESRCH (rule 4).</summary>
    internal static string CreationFailure(RunnerTask slot) =>
        slot.Failure is not null && ScenarioResults.IsSkip(slot.Failure) ? slot.Failure : Esrch;

    /// <summary><c>SKIP(unbound NAME)</c> (rule 2).</summary>
    internal static string Unbound(string name) => ScenarioResults.Skip("unbound " + name);

    private static string Esrch => ScenarioResults.Errno(-Errno.ESRCH);
}
