using Madvise.Host;

namespace Madvise.Scenarios.Host;

/// <summary>
/// The <c>host</c> scenario target: steps run on the Linux kernel this program runs on. Task
/// <c>self</c> is this .NET process; every other task is an agent process (<c>madv agent</c>,
/// <see cref="AgentProtocol"/>).
/// </summary>
/// <remarks>
/// <para>
/// Every call runs on one step thread (<see cref="StepThread"/>), pinned to one CPU, as are the
/// agents' threads. Reads and writes go through process_vm_readv/process_vm_writev on the
/// task's own pid, so an inaccessible page gives -EFAULT, never a signal.
/// </para>
/// <para>
/// Safety: a step never damages memory the scenario did not map. Steps that would are refused
/// with <see cref="TargetResult.NotSupported"/> and the reason in <see cref="LastSkipReason"/>;
/// the rules are listed on <see cref="ScenarioMemoryGuard"/>. Also refused: <c>setuid self</c>,
/// <c>exit self</c>.
/// </para>
/// <para>
/// <c>fork</c> makes a fork server (<see cref="NativeFork"/>, <see cref="ForkedTask"/>): a copy
/// of the forking task's process that runs only native code and executes the system calls an
/// executor in this process sends it. Where the fork server library was not built, fork steps
/// print <c>SKIP(fork: ...)</c>. A fork of this process waits until no other host target runs
/// in it, and keeps others out until this target is disposed (<see cref="ForkIsolation"/>).
/// </para>
/// <para>
/// Descriptors (files, pidfds) belong to the task that created them. A task naming one it
/// does not hold receives a duplicate over its socket (SCM_RIGHTS), relayed through this
/// process, which keeps the copy it fetched. A descriptor whose owner has exited, and of which
/// this process holds no copy, cannot be passed on: the step gets -EBADF.
/// </para>
/// <para>
/// Dispose ends every agent and forked child (end of file on its socket, SIGKILL after a grace
/// period; the step thread's exit also kills them through PR_SET_PDEATHSIG), reaps them, unmaps
/// the scenario's memory in this process and closes its descriptors.
/// </para>
/// </remarks>
public sealed class HostScenarioTarget : IScenarioTarget
{
    /// <summary>How long Dispose lets agents exit on their own before killing them.</summary>
    private const int ShutdownGraceMilliseconds = 2_000;

    /// <summary>The thread every step runs on.</summary>
    private readonly StepThread _thread;

    /// <summary>Task self.</summary>
    private readonly SelfTask _self;

    /// <summary>Agents in creation order (step thread only).</summary>
    private readonly List<AgentTask> _agents = [];

    /// <summary>Forked tasks in creation order (step thread only).</summary>
    private readonly List<ForkedTask> _forked = [];

    /// <summary>Set once this target holds the process exclusively (after a fork of task self; step thread only).</summary>
    private bool _exclusive;

    /// <summary>Last descriptor id handed out (step thread only).</summary>
    private int _lastDescriptorId;

    /// <summary>Set by Dispose.</summary>
    private bool _disposed;

    /// <summary>Starts the step thread (pinned to the lowest CPU this process may use).</summary>
    public HostScenarioTarget()
    {
        ForkIsolation.Enter();
        try
        {
            _thread = new StepThread();
            _self = _thread.Invoke(() => new SelfTask(this, new TaskExecutor()));
        }
        catch
        {
            ForkIsolation.Leave(this);
            throw;
        }
    }

    /// <inheritdoc/>
    public string Name => "host";

    /// <inheritdoc/>
    public ITargetTask Self => _self;

    /// <summary>The CPU every step runs on, or -1 when pinning failed.</summary>
    public int Cpu => _thread.Cpu;

    /// <summary>
    /// Why the last call that returned <see cref="TargetResult.NotSupported"/> was refused,
    /// e.g. <c>munmap: 0x7f..-0x7f.. is memory the scenario did not map (/usr/lib/...)</c>.
    /// </summary>
    public string? LastSkipReason { get; internal set; }

    /// <inheritdoc/>
    public string? Configure(ScenarioConfig config) => HostConfig.Compare(config);

    /// <inheritdoc/>
    public ITargetTask? CreateTask(string name, out string? failure)
    {
        var (task, why) = Run(() =>
        {
            var agent = AgentLauncher.Start(this, name, _thread.Cpu, out var f);
            if (agent is not null)
            {
                _agents.Add(agent);
            }

            return (agent, f);
        });
        failure = why;
        return task;
    }

    /// <summary>
    /// A fork of <paramref name="parent"/>'s process whose child is a fork server
    /// (<see cref="NativeFork"/>): this process, an agent, or a forked task forks itself.
    /// </summary>
    public ITargetTask? Fork(ITargetTask parent, string name, out string? failure)
    {
        var task = parent as HostTask ?? throw new ArgumentException($"Task {parent.Name} does not belong to a host target.", nameof(parent));
        var (child, why) = Run(() =>
        {
            if (NativeFork.Unavailable is { } unavailable)
            {
                LastSkipReason = "fork: " + unavailable;
                return ((ForkedTask?)null, "SKIP(" + LastSkipReason + ")");
            }

            var forked = task.Fork(name, out var f);
            if (forked is not null)
            {
                _forked.Add(forked);
            }

            return (forked, f);
        });
        failure = why;
        return child;
    }

    /// <summary>Ends the agents, unmaps the scenario's memory in this process and stops the step thread.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _thread.Invoke(() =>
        {
            foreach (var agent in _agents)
            {
                agent.Shutdown(ShutdownGraceMilliseconds);
            }

            foreach (var forked in _forked)
            {
                forked.Shutdown(ShutdownGraceMilliseconds);
            }

            _self.Executor.Dispose();
            return 0;
        });
        _thread.Dispose();
        ForkIsolation.Leave(this);
    }

    /// <summary>Runs <paramref name="work"/> on the step thread.</summary>
    internal T Run<T>(Func<T> work)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _thread.Invoke(work);
    }

    /// <summary>Records why a step is not supported and returns <see cref="TargetResult.NotSupported"/>.</summary>
    internal long Unsupported(string reason)
    {
        LastSkipReason = reason;
        return TargetResult.NotSupported;
    }

    /// <summary>Passes <paramref name="result"/> through, recording the executor's refusal reason when it is NotSupported.</summary>
    internal long Checked(TaskExecutor executor, long result)
    {
        if (result == TargetResult.NotSupported)
        {
            LastSkipReason = executor.LastRefusal;
        }

        return result;
    }

    /// <summary>
    /// Makes this target the only host target of the process until it is disposed
    /// (<see cref="ForkIsolation"/>), before task self forks (step thread only).
    /// </summary>
    /// <returns>Null, or the step's SKIP result when other targets still ran after the wait.</returns>
    internal string? TakeProcessExclusively()
    {
        if (!_exclusive && !(_exclusive = ForkIsolation.TryTakeExclusive(this)))
        {
            LastSkipReason = $"fork: other host targets of this process still ran after {ForkIsolation.Timeout.TotalMinutes} minutes";
            return "SKIP(" + LastSkipReason + ")";
        }

        return null;
    }

    /// <summary>A new target-wide descriptor id (step thread only).</summary>
    internal int NextDescriptorId() => ++_lastDescriptorId;

    /// <summary>
    /// Makes this process hold <paramref name="descriptor"/> (step thread only): it created it,
    /// already fetched it, or fetches a duplicate from the owning agent or forked task if that still runs.
    /// </summary>
    /// <returns>The descriptor in this process, or -1 when it cannot be had.</returns>
    internal int DescriptorInSelf(HostDescriptor descriptor)
    {
        if (_self.Executor.TryGetDescriptor(descriptor.Id, out var fd))
        {
            return fd;
        }

        if (descriptor.Owner is HostTask owner)
        {
            fd = owner.FetchDescriptor(descriptor.Id);
            if (fd >= 0)
            {
                _self.Executor.AddDescriptor(descriptor.Id, fd);
                return fd;
            }
        }

        return -1;
    }

    /// <summary>The pid of a task of this target.</summary>
    internal static int PidOf(ITargetTask task) => task is HostTask host
        ? host.Pid
        : throw new ArgumentException($"Task {task.Name} does not belong to a host target.", nameof(task));

    /// <summary>The host descriptor behind a file or pidfd of this target.</summary>
    internal static HostDescriptor Cast(object descriptor) => descriptor as HostDescriptor ??
        throw new ArgumentException($"{descriptor} does not belong to a host target.", nameof(descriptor));
}
