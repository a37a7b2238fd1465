using Madvise.Scenarios.Steps;

namespace Madvise.Scenarios;

/// <summary>What steps use of the runner while they run (<see cref="Step.Execute"/>): the target, tasks and name bindings.</summary>
public sealed partial class ScenarioRunner
{
    /// <summary>The kernel the steps run on.</summary>
    internal IScenarioTarget Target => _target;

    /// <summary>The <c>config</c> step: a configuration the target cannot match makes every later step print <c>SKIP(config)</c>.</summary>
    internal void Configure(ConfigStep step)
    {
        var reason = _target.Configure(step.Config);
        if (reason is not null)
        {
            _configSkip = true;
            _diagnostics.WriteLine($"{_scenario.Path}:{step.Line}: config differs on the {_target.Name} target, later steps print SKIP(config): {reason}");
        }
    }

    /// <summary>
    /// The task a step runs in (rules 3 and 4): null with <paramref name="task"/> set, or the
    /// result to print when the task's creation failed or it has exited.
    /// </summary>
    internal string? EnterTask(string name, out ITargetTask? task)
    {
        var slot = _tasks[name];
        task = slot.Task;
        if (task is null)
        {
            return CreationFailure(slot);
        }

        return task.HasExited ? Esrch : null;
    }

    /// <summary>The runner's record of task <paramref name="name"/> (the parser made sure it was defined).</summary>
    internal RunnerTask Task(string name) => _tasks[name];

    /// <summary>Records the outcome of a <c>task</c> or <c>fork</c> step and returns what it prints.</summary>
    internal string DefineTask(string name, ITargetTask? task, string? failure)
    {
        if (task is null && failure is null)
        {
            throw new InvalidOperationException($"task '{name}': no task and no failure");
        }

        _tasks[name] = new RunnerTask(task, failure);
        return task is null ? failure! : ScenarioResults.Ok;
    }

    /// <summary>
    /// A <c>task</c> or <c>fork</c> step stopped before the target saw it (its parent had exited,
    /// a config SKIP, a target error) still defines the name: as a task whose creation printed
    /// <paramref name="result"/>.
    /// </summary>
    internal void DefineFailedTask(string name, string result) => _tasks.TryAdd(name, new RunnerTask(null, result));

    /// <summary>exit, setuid and dropcap: act on a named task whatever the <c>in</c> prefix says (rules 3 to 5).</summary>
    internal string WithTarget(string name, Step step, Func<ITargetTask, long> action)
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

    /// <summary>Binds mapping <paramref name="name"/> to <paramref name="address"/>.</summary>
    internal void BindMapping(string name, ulong address) => _mappings[name] = address;

    /// <summary>Forgets mapping <paramref name="name"/>.</summary>
    internal void UnbindMapping(string name) => _mappings.Remove(name);

    /// <summary>Binds file <paramref name="name"/>.</summary>
    internal void BindFile(string name, ITargetFile file) => _files[name] = file;

    /// <summary>Forgets file <paramref name="name"/>.</summary>
    internal void UnbindFile(string name) => _files.Remove(name);

    /// <summary>The file bound to <paramref name="name"/>, if its latest step succeeded.</summary>
    internal bool TryGetFile(string name, out ITargetFile? file) => _files.TryGetValue(name, out file);

    /// <summary>Binds pidfd <paramref name="name"/>.</summary>
    internal void BindPidfd(string name, ITargetPidfd pidfd) => _pidfds[name] = pidfd;

    /// <summary>Forgets pidfd <paramref name="name"/> and the SKIP its step may have printed.</summary>
    internal void UnbindPidfd(string name)
    {
        _pidfds.Remove(name);
        _skippedPidfds.Remove(name);
    }

    /// <summary>Records that the latest pidfd step of <paramref name="name"/> printed <paramref name="skip"/>.</summary>
    internal void SkipPidfd(string name, string skip) => _skippedPidfds[name] = skip;

    /// <summary>
    /// The pidfd bound to <paramref name="name"/>; else false, with <paramref name="skip"/> the
    /// SKIP its step printed, or null when it failed with an errno.
    /// </summary>
    internal bool TryGetPidfd(string name, out ITargetPidfd? pidfd, out string? skip)
    {
        skip = null;
        if (_pidfds.TryGetValue(name, out pidfd))
        {
            return true;
        }

        _skippedPidfds.TryGetValue(name, out skip);
        return false;
    }
}
