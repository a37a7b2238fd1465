namespace Madvise.Scenarios.Host;

/// <summary>
/// A task created by <c>fork NAME</c>: a fork server process (<see cref="ForkServer"/>), a copy
/// of the forking task's process that runs no .NET code, driven by an executor in this process
/// whose system calls run in the child. Its operations run here, on the target's step thread,
/// as task <c>self</c>'s do.
/// </summary>
/// <remarks>
/// The child is a child of this process whoever forked it (a fork by an agent or by another
/// forked task uses CLONE_PARENT), so it outlives the task that forked it, as Linux children
/// do, stays a zombie after <c>exit</c> until the target is disposed, and is reaped here.
/// Nothing a scenario can observe depends on which process is the parent.
/// </remarks>
internal sealed class ForkedTask : HostTask
{
    /// <summary>How long <c>exit</c> waits for the child before killing it.</summary>
    private const int ExitTimeoutMilliseconds = 10_000;

    /// <summary>The child process.</summary>
    private readonly ForkServer _server;

    /// <summary>Runs the task's steps through <see cref="_server"/>; its descriptor table is what the child holds.</summary>
    private readonly TaskExecutor _executor;

    /// <summary>Wraps a started fork server.</summary>
    public ForkedTask(HostScenarioTarget target, string name, ForkServer server, TaskExecutor executor)
        : base(target, name, server.Pid)
    {
        _server = server;
        _executor = executor;

        // Linux clears the parent-death signal on every credential change: set it again.
        _executor.CredentialsChanged = () => _server.SetParentDeathSignal();
    }

    /// <summary>True once <c>exit</c> ran, or the child is known to be gone (killed: its socket broke).</summary>
    public override bool HasExited => _server.IsGone;

    /// <summary>The child process (tests).</summary>
    internal ForkServer Server => _server;

    /// <summary><c>exit</c>: tells the child to exit and waits until it has (it stays a zombie until the target is disposed).</summary>
    public override long Exit() => Target.Run(() =>
    {
        if (HasExited)
        {
            return -Errno.ESRCH;
        }

        _server.Exit();
        _server.WaitForExit(ExitTimeoutMilliseconds);
        return 0L;
    });

    /// <summary>How the child died, when it did without <c>exit</c> (<see cref="ITargetTask.CheckDeath"/>).</summary>
    public override string? CheckDeath() => Target.Run(() => _server.CheckDeath(Name));

    /// <summary><c>fork</c> run by this task (step thread only): the child's fork server forks again.</summary>
    internal override ForkedTask? Fork(string name, out string? failure)
    {
        var server = _server.Fork(_executor.DescriptorNumbers(), out failure);
        return server is null ? null : new ForkedTask(Target, name, server, TaskExecutor.ForChild(server, _executor.StateForFork()));
    }

    /// <summary>A duplicate of descriptor <paramref name="id"/> in this process (step thread only), or -1 when the child is gone or does not hold it.</summary>
    internal override int FetchDescriptor(int id) =>
        _executor.TryGetDescriptor(id, out var fd) ? _server.GiveDescriptor(fd) : -1;

    /// <summary>Ends the child (step thread only): end of file on its socket, SIGKILL after the grace period, reaped.</summary>
    internal void Shutdown(int graceMilliseconds) => _server.Shutdown(graceMilliseconds);

    /// <inheritdoc/>
    protected override long Invoke(HostOperation operation) => Target.Checked(_executor, operation.Run(_executor));

    /// <summary>Gives the child a duplicate of <paramref name="descriptor"/> unless it holds one (from its parent, or passed before).</summary>
    protected override int Hold(HostDescriptor descriptor)
    {
        if (!_executor.TryGetDescriptor(descriptor.Id, out _))
        {
            var fd = Target.DescriptorInSelf(descriptor);
            var theirs = fd < 0 ? -1 : _server.TakeDescriptor(fd);
            if (theirs >= 0)
            {
                _executor.AddDescriptor(descriptor.Id, (int)theirs);
            }
        }

        return descriptor.Id;
    }
}
