using Madvise.Host;

namespace Madvise.Scenarios.Host;

/// <summary>Task <c>self</c>: this .NET process, every step run on the target's step thread.</summary>
internal sealed class SelfTask : HostTask
{
    /// <summary>The executor of this process; used on the step thread only.</summary>
    private readonly TaskExecutor _executor;

    /// <summary>Creates task self over <paramref name="executor"/>.</summary>
    public SelfTask(HostScenarioTarget target, TaskExecutor executor)
        : base(target, "self", HarnessSyscalls.GetPid())
    {
        _executor = executor;
    }

    /// <summary>Task self never exits: <c>exit self</c> is a SKIP.</summary>
    public override bool HasExited => false;

    /// <summary>The executor (step thread only).</summary>
    internal TaskExecutor Executor => _executor;

    /// <summary>A .NET process cannot exit in the middle of a scenario.</summary>
    public override long Exit() => Target.Unsupported("exit self");

    /// <summary>Dropping the uid of the .NET process that runs the scenario would outlive it: refused.</summary>
    public override long SetUid(uint uid) => Target.Unsupported("setuid self");

    /// <summary>
    /// <c>fork</c> of this .NET process, once it is the only host target in the process
    /// (<see cref="HostScenarioTarget.TakeProcessExclusively"/>); the child keeps the scenario's
    /// descriptors.
    /// </summary>
    internal override ForkedTask? Fork(string name, out string? failure)
    {
        if (Target.TakeProcessExclusively() is { } refusal)
        {
            failure = refusal;
            return null;
        }

        var r = HarnessSyscalls.SocketPair(out var ours, out var theirs);
        if (r < 0)
        {
            failure = Abi.Errno.Format(r);
            return null;
        }

        var pid = NativeFork.Fork(theirs, _executor.DescriptorNumbers(), cloneParent: false);
        HarnessSyscalls.Close(theirs);
        if (pid < 0)
        {
            HarnessSyscalls.Close(ours);
            failure = Abi.Errno.Format(pid);
            return null;
        }

        var server = ForkServer.Connect(ours, (int)pid, out failure);
        return server is null ? null : new ForkedTask(Target, name, server, TaskExecutor.ForChild(server, _executor.StateForFork()));
    }

    /// <summary>
    /// mincore(2), run on the caller's thread: residency does not depend on the thread, CPU or
    /// credentials, and the caller's span cannot cross to the step thread.
    /// </summary>
    public override long Mincore(ulong addr, ulong length, Span<byte> vec) => HarnessSyscalls.Mincore(addr, length, vec);

    /// <inheritdoc/>
    protected override long Invoke(HostOperation operation) => Target.Checked(_executor, operation.Run(_executor));

    /// <inheritdoc/>
    protected override int Hold(HostDescriptor descriptor)
    {
        Target.DescriptorInSelf(descriptor);
        return descriptor.Id;
    }
}
