// The scenario runner: everything that is the same on every target (spec "Runner rules").
// Where the spec is silent it does what shared/tools/scnhost.py does, except where noted:
//
//  1. A mapping name is bound when its mmap prints "ok". Any other outcome of that mmap
//     (-ERRNO, SKIP) leaves the name unbound, even if an earlier mmap had bound it: the spec
//     says the name of a failed mmap is unbound (scnhost.py keeps the earlier address). The
//     same holds for file and pidfd names.
//  2. A step that uses an unbound mapping name prints SKIP(unbound NAME), checked in argument
//     order (mmap: fd=, then at=). An mmap whose fd= names a file whose step failed prints
//     SKIP(unbound FILE); a pmadvise whose PIDFD names a pidfd whose step failed with -ERRNO
//     prints -EBADF (it is a bad descriptor), both as scnhost.py. A pmadvise whose PIDFD names
//     a pidfd whose step printed SKIP(...) (its task's creation was skipped: fork on the host)
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
//     an unaligned one gives -EINVAL) and prints "" on success. mincore of any length gives
//     Linux's answer with bounded memory: a range of more than 2^20 pages is asked of the
//     target a window at a time (a vector whose writable part is the window: the kernel fills
//     it and answers -EFAULT when its results go on, and the runner asks again from there), so
//     an error anywhere in the range (-ENOMEM at the first hole, -EINVAL, -ENOMEM for a range
//     beyond the user limit) is printed whatever the length. Only a successful result longer
//     than 2^24 pages (a range of more than 64 GiB, all mapped) is not printed:
//     SKIP(mincore result longer than 16777216 pages). scnhost.py prints SKIP(mincore range
//     too large) for every range of more than 2^24 pages.
//  8. A target that throws is a bug in the target: the step prints ERROR(Type: message),
//     the exception goes to the diagnostics writer and the run goes on with the next step.
//  9. Host-divergent files (tests/scenarios/README.md). On the host target, a file marked
//     "# @host-divergent: REASON" is compared up to its divergence point: the first step that
//     prints SKIP(...), or the first step whose own line carries the marker, whichever comes
//     first. That step and every later one still run and print, but a result that is not
//     SKIP or ERROR gets the verdict Divergent: its expectation is not checked, and madv check
//     does not compare it with the simulated kernel. Why from the first SKIP on: the step
//     that was skipped (a fork on the C# host target) may have changed what every later step
//     sees (a child writing shared memory, COW state), and the runner cannot tell which later
//     steps depend on it. On the sim target, and in unmarked files, markers change nothing.
// 10. A config step the target cannot take at all (ScenarioConfigException: a size it cannot
//     represent, swap=0xffffffffffffffff, or more swap than this machine has memory, swap=1024G)
//     prints ERROR(config: WHY) and ends the file: the report's ConfigError says why, and the
//     tools report FILE:LINE: config error: WHY and exit as for a file they cannot parse. The
//     target is left as it was, never half-built.
// 11. A kernel oops during a step (a simulated kernel's bug, or an injected fault, escaped a
//     system call: IScenarioTarget.TakeOopses) makes the step print OOPS(SUMMARY), an error,
//     whatever the call returned; the summary goes to the diagnostics writer (the whole
//     exception too when verbose). The kernel killed the task that made the call, so its later
//     steps print -ESRCH; the run goes on, and the tools exit with their oops status.

using System.Globalization;
using Madvise.Abi;
using Madvise.Scenarios.Steps;

namespace Madvise.Scenarios;

/// <summary>
/// Runs a <see cref="Scenario"/> on an <see cref="IScenarioTarget"/>, streaming
/// <c>TEXT = RESULT</c> lines and returning a <see cref="ScenarioReport"/>.
/// </summary>
public sealed class ScenarioRunner
{
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

    /// <summary>Set when the target refused a config step (<see cref="ScenarioConfigException"/>): the run stops (rule 10).</summary>
    private string? _configError;

    /// <summary>Whether an oops's whole exception goes to the diagnostics (rule 11).</summary>
    private bool _verbose;

    /// <summary>True when the file is marked host-divergent and runs on the host target (rule 9).</summary>
    private readonly bool _hostDivergentFile;

    /// <summary>Set at the divergence point of a host-divergent file: later results are not compared (rule 9).</summary>
    private bool _diverged;

    /// <summary>The step where <see cref="_diverged"/> was set, or null.</summary>
    private StepReport? _divergencePoint;

    private ScenarioRunner(Scenario scenario, IScenarioTarget target, TextWriter output, TextWriter diagnostics)
    {
        _hostDivergentFile = scenario.HostDivergent is not null && target.Name == ScenarioTargets.Host;
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
    /// <param name="diagnostics">Receives config mismatch reasons, target exceptions and kernel oopses; null discards them.</param>
    /// <param name="verbose">Whether a kernel oops's whole exception (with its stack trace) goes to <paramref name="diagnostics"/>, not only its summary.</param>
    public static ScenarioReport Run(Scenario scenario, IScenarioTarget target, TextWriter output, TextWriter? diagnostics = null, bool verbose = false)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(output);
        var runner = new ScenarioRunner(scenario, target, output, diagnostics ?? TextWriter.Null) { _verbose = verbose };
        var reports = new List<StepReport>(scenario.Steps.Count);
        foreach (var step in scenario.Steps)
        {
            reports.Add(runner.RunStep(scenario, step));
            if (runner._configError is not null)
            {
                // Rule 10: nothing after a configuration the target cannot take means anything.
                return new ScenarioReport(scenario, target.Name, reports)
                {
                    DivergencePoint = runner._divergencePoint,
                    ConfigErrorStep = reports[^1],
                    ConfigError = runner._configError,
                };
            }
        }

        return new ScenarioReport(scenario, target.Name, reports) { DivergencePoint = runner._divergencePoint };
    }

    private StepReport RunStep(Scenario scenario, Step step)
    {
        string result;
        StepVerdict verdict;
        try
        {
            result = Execute(scenario, step);
            verdict = ScenarioResults.IsSkip(result) ? StepVerdict.Skipped
                : step.Expected is null ? StepVerdict.NotChecked
                : ScenarioLexer.FoldWhitespace(result) == step.Expected ? StepVerdict.Held
                : StepVerdict.Mismatch;
        }
        catch (ScenarioConfigException ex)
        {
            _configError = ex.Message;
            result = $"ERROR(config: {ex.Message})";
            verdict = StepVerdict.Error;
            _diagnostics.WriteLine($"{scenario.Path}:{step.Line}: {_target.Name} target cannot take '{step.Text}': {ex.Message}; the file stops here");
        }
#pragma warning disable CA1031 // A target bug must not stop the other steps; it is reported, not hidden.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            result = $"ERROR({ex.GetType().Name}: {ex.Message})";
            verdict = StepVerdict.Error;
            _diagnostics.WriteLine($"{scenario.Path}:{step.Line}: {_target.Name} target threw on '{step.Text}': {ex}");
        }

        // Rule 11: an oops during the step is the step's result, whatever the call returned.
        var oopses = _target.TakeOopses();
        if (oopses.Count > 0)
        {
            result = "OOPS(" + string.Join("; ", oopses.Select(o => o.Summary)) + ")";
            verdict = StepVerdict.Error;
            foreach (var oops in oopses)
            {
                _diagnostics.WriteLine($"{scenario.Path}:{step.Line}: kernel oops on '{step.Text}': {oops.Summary}; the task was killed");
                if (_verbose)
                {
                    _diagnostics.WriteLine(oops.Details);
                }
            }
        }

        // A task or fork step stopped before the target saw it (its parent had exited, a
        // config SKIP, a target error) still defines the name for later steps: as a task
        // whose creation printed this result.
        var created = step switch
        {
            TaskStep t => t.Name,
            ForkStep f => f.Name,
            _ => null,
        };
        if (created is not null)
        {
            _tasks.TryAdd(created, new RunnerTask(null, result));
        }

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

        if (step is PidfdStep pidfdStep && verdict == StepVerdict.Skipped)
        {
            _skippedPidfds[pidfdStep.Name] = result;
        }

        _output.WriteLine(step.Text + " = " + result);
        var report = new StepReport(step, result, verdict) { IsOops = oopses.Count > 0 };
        if (divergesHere)
        {
            _divergencePoint = report;
        }

        return report;
    }

    private string Execute(Scenario scenario, Step step)
    {
        if (step is ConfigStep config)
        {
            var reason = _target.Configure(config.Config);
            if (reason is not null)
            {
                _configSkip = true;
                _diagnostics.WriteLine($"{scenario.Path}:{step.Line}: config differs on the {_target.Name} target, later steps print SKIP(config): {reason}");
            }

            return "0";
        }

        if (_configSkip)
        {
            return ScenarioResults.ConfigSkip;
        }

        // A binding step unbinds its name first: whatever stops it below, the name must not
        // keep an earlier binding (runner decision 1).
        switch (step)
        {
            case MmapStep m:
                _mappings.Remove(m.Name);
                break;
            case FileStep f:
                _files.Remove(f.Name);
                break;
            case PidfdStep p:
                _pidfds.Remove(p.Name);
                _skippedPidfds.Remove(p.Name);
                break;
        }

        switch (step)
        {
            case TaskStep t:
                return CreateTask(t);
            case ExitStep e:
                return Exit(e);
            case SetUidStep s:
                return WithTarget(s.Target, s, task => task.SetUid(s.Uid));
            case DropCapStep d:
                return WithTarget(d.Target, d, task => task.DropCapability(d.Capability));
        }

        var name = step.Task ?? "self";
        var slot = _tasks[name];
        if (slot.Task is null)
        {
            return CreationFailure(slot);
        }

        return slot.Task.HasExited ? Esrch : Execute(slot.Task, step);
    }

    private string Execute(ITargetTask task, Step step)
    {
        switch (step)
        {
            case MmapStep m:
                return Mmap(task, m);
            case FileStep f:
                return CreateFile(task, f);
            case PidfdStep p:
                return OpenPidfd(task, p);
            case ForkStep f:
                return Fork(task, f);
            case PmadviseStep p:
                return ProcessMadvise(task, p);
        }

        var range = (RangeStep)step;
        if (!TryResolve(range.Address, out var addr, out var unbound))
        {
            return unbound;
        }

        var length = range.Length;
        return range switch
        {
            MunmapStep => Status(task, step, task.Munmap(addr, length)),
            MlockStep => Status(task, step, task.Mlock(addr, length)),
            MunlockStep => Status(task, step, task.Munlock(addr, length)),
            MprotectStep p => Status(task, step, task.Mprotect(addr, length, p.Prot)),
            MadviseStep a => Status(task, step, task.Madvise(addr, length, a.Behavior)),
            WriteStep w => length == 0 ? "0" : Status(task, step, task.Write(addr, length, w.Value)),
            ReadStep => Read(task, step, addr, length),
            MincoreStep => Mincore(task, step, addr, length),
            VmasStep => Vmas(task, step, addr, length),
            _ => throw new InvalidOperationException($"no runner for step '{step.Keyword}'"),
        };
    }

    private string Mmap(ITargetTask task, MmapStep step)
    {
        ITargetFile? file = null;
        if (step.File is not null && !_files.TryGetValue(step.File, out file))
        {
            return Unbound(step.File);
        }

        ulong at = 0;
        if (step.At is not null && !TryResolve(step.At, out at, out var unbound))
        {
            return unbound;
        }

        var r = task.Mmap(at, step.Length, step.Prot, step.Flags, file, step.Offset, out var mapped);
        if (r < 0)
        {
            return Failure(task, step, r);
        }

        _mappings[step.Name] = mapped;
        return ScenarioResults.Ok;
    }

    private string CreateFile(ITargetTask task, FileStep step)
    {
        var r = task.CreateFile(step.Name, step.Length, step.Fill, step.Memfd, out var file);
        if (r < 0)
        {
            return Failure(task, step, r);
        }

        _files[step.Name] = file ?? throw new InvalidOperationException("CreateFile succeeded without a file");
        return ScenarioResults.Ok;
    }

    private string OpenPidfd(ITargetTask task, PidfdStep step)
    {
        var target = _tasks[step.Target];
        if (target.Task is null)
        {
            return CreationFailure(target);
        }

        var r = task.OpenPidfd(target.Task, out var pidfd);
        if (r < 0)
        {
            return Failure(task, step, r);
        }

        _pidfds[step.Name] = pidfd ?? throw new InvalidOperationException("OpenPidfd succeeded without a pidfd");
        return ScenarioResults.Ok;
    }

    private string CreateTask(TaskStep step)
    {
        var task = _target.CreateTask(step.Name, out var failure);
        return Created(step.Name, task, failure);
    }

    private string Fork(ITargetTask parent, ForkStep step)
    {
        var task = _target.Fork(parent, step.Name, out var failure);
        return Created(step.Name, task, failure);
    }

    private string Created(string name, ITargetTask? task, string? failure)
    {
        if (task is null && failure is null)
        {
            throw new InvalidOperationException($"task '{name}': no task and no failure");
        }

        _tasks[name] = new RunnerTask(task, failure);
        return task is null ? failure! : ScenarioResults.Ok;
    }

    private string Exit(ExitStep step)
    {
        if (step.Target == "self")
        {
            return ScenarioResults.Skip("exit self");
        }

        return WithTarget(step.Target, step, task => task.Exit());
    }

    /// <summary>exit, setuid and dropcap: act on a named task whatever the <c>in</c> prefix says.</summary>
    private string WithTarget(string name, Step step, Func<ITargetTask, long> action)
    {
        var slot = _tasks[name];
        if (slot.Task is null)
        {
            return CreationFailure(slot);
        }

        if (slot.Task.HasExited)
        {
            return Esrch;
        }

        return Status(slot.Task, step, action(slot.Task));
    }

    private string ProcessMadvise(ITargetTask task, PmadviseStep step)
    {
        PidfdArgument pidfd;
        switch (step.Pidfd)
        {
            case PidfdExpression.Self:
                pidfd = new PidfdArgument.Self();
                break;
            case PidfdExpression.Raw raw:
                pidfd = new PidfdArgument.Raw(raw.Fd);
                break;
            case PidfdExpression.Named named:
                if (!_pidfds.TryGetValue(named.Name, out var bound))
                {
                    return _skippedPidfds.TryGetValue(named.Name, out var skip) ? skip : ScenarioResults.Errno(-Errno.EBADF);
                }

                pidfd = new PidfdArgument.Named(bound);
                break;
            default:
                throw new InvalidOperationException("unknown PIDFD kind");
        }

        VectorArgument vector;
        switch (step.Vector)
        {
            case VectorExpression.List list:
                var entries = new (ulong Base, ulong Length)[list.Entries.Count];
                for (var i = 0; i < entries.Length; i++)
                {
                    if (!TryResolve(list.Entries[i].Address, out var b, out var unbound))
                    {
                        return unbound;
                    }

                    entries[i] = (b, list.Entries[i].Length);
                }

                vector = new VectorArgument.List(entries);
                break;
            case VectorExpression.Seq seq:
                if (!TryResolve(seq.Start, out var start, out var unboundStart))
                {
                    return unboundStart;
                }

                vector = new VectorArgument.Seq(start, seq.Length, seq.Stride, seq.Count);
                break;
            case VectorExpression.BadPointer bad:
                vector = new VectorArgument.BadPointer(bad.Count);
                break;
            default:
                throw new InvalidOperationException("unknown VEC kind");
        }

        var r = task.ProcessMadvise(pidfd, vector, step.Behavior, step.Flags);
        return r == TargetResult.NotSupported ? NotSupported(task, step) : ScenarioResults.Count(r);
    }

    private string Read(ITargetTask task, Step step, ulong addr, ulong length)
    {
        if (length == 0)
        {
            return "";
        }

        var runs = new ByteRuns();
        var r = task.Read(addr, length, runs);
        return r < 0 ? Failure(task, step, r) : runs.ToString();
    }

    private string Mincore(ITargetTask task, Step step, ulong addr, ulong length)
    {
        var pages = (length / PageSize.PAGE_SIZE) + ((length % PageSize.PAGE_SIZE) != 0 ? 1UL : 0UL);
        if (pages <= ScenarioResults.MincoreWindowPages)
        {
            var vec = new byte[pages];
            var r = task.Mincore(addr, length, vec);
            return r < 0 ? Failure(task, step, r) : ScenarioResults.Mincore(vec);
        }

        // Rule 7: one window of vector at a time. Each call covers the rest of the range, so the
        // first one makes the kernel's whole-range checks; -EFAULT with the window full means
        // the results went on past it, and the next call starts where the window ended.
        var window = new byte[ScenarioResults.MincoreWindowPages];
        var digits = new System.Text.StringBuilder();
        for (ulong done = 0; ; done += (ulong)window.Length)
        {
            var left = pages - done;
            var r = task.Mincore(addr + (done << PageSize.PAGE_SHIFT), length - (done << PageSize.PAGE_SHIFT), window);
            var full = r == -Errno.EFAULT && left > (ulong)window.Length;
            if (r < 0 && !full)
            {
                return Failure(task, step, r);
            }

            if (pages <= ScenarioResults.MaxMincorePages)
            {
                digits.Append(ScenarioResults.Mincore(window.AsSpan(0, (int)Math.Min(left, (ulong)window.Length))));
            }

            if (!full)
            {
                return pages > ScenarioResults.MaxMincorePages
                    ? ScenarioResults.Skip(string.Create(CultureInfo.InvariantCulture, $"mincore result longer than {ScenarioResults.MaxMincorePages} pages"))
                    : digits.ToString();
            }
        }
    }

    private string Vmas(ITargetTask task, Step step, ulong addr, ulong length)
    {
        if (length == 0)
        {
            return "[]";
        }

        var mappings = new List<MappingInfo>();
        var r = task.Vmas(addr, length, mappings);
        return r < 0 ? Failure(task, step, r) : ScenarioResults.Vmas(addr, mappings);
    }

    private bool TryResolve(AddressExpression address, out ulong value, out string unbound)
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

    private static string Status(ITargetTask task, Step step, long r) => r >= 0 ? "0" : Failure(task, step, r);

    private static string Failure(ITargetTask task, Step step, long r) =>
        r == TargetResult.NotSupported ? NotSupported(task, step) : ScenarioResults.Errno(r);

    private static string NotSupported(ITargetTask task, Step step) => ScenarioResults.Skip(step.Keyword + " " + task.Name);

    private static string CreationFailure(RunnerTask slot) =>
        slot.Failure is not null && ScenarioResults.IsSkip(slot.Failure) ? slot.Failure : Esrch;

    private static string Unbound(string name) => ScenarioResults.Skip("unbound " + name);

    private static string Esrch => ScenarioResults.Errno(-Errno.ESRCH);
}
