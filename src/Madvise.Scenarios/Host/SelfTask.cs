using Madvise.Host;

namespace Madvise.Scenarios.Host;

/// <summary>Task <c>self</c>: this .NET process, every step run on the target's step thread.</summary>
internal sealed class SelfTask : ITargetTask
{
    /// <summary>The target this task belongs to.</summary>
    private readonly HostScenarioTarget _target;

    /// <summary>The executor of this process; used on the step thread only.</summary>
    private readonly TaskExecutor _executor;

    /// <summary>Creates task self over <paramref name="executor"/>.</summary>
    public SelfTask(HostScenarioTarget target, TaskExecutor executor)
    {
        _target = target;
        _executor = executor;
        Pid = HostSyscalls.GetPid();
    }

    /// <inheritdoc/>
    public string Name => "self";

    /// <summary>This process's pid.</summary>
    public int Pid { get; }

    /// <summary>Task self never exits: <c>exit self</c> is a SKIP.</summary>
    public bool HasExited => false;

    /// <summary>The executor (step thread only).</summary>
    internal TaskExecutor Executor => _executor;

    /// <summary>A .NET process cannot exit in the middle of a scenario.</summary>
    public long Exit() => _target.Unsupported("exit self");

    /// <summary>Dropping the uid of the .NET process that runs the scenario would outlive it: refused.</summary>
    public long SetUid(uint uid) => _target.Unsupported("setuid self");

    /// <inheritdoc/>
    public long DropCapability(int capability) => _target.Run(() => _executor.DropCapability(capability));

    /// <inheritdoc/>
    public long Mmap(ulong addr, ulong length, int prot, int flags, ITargetFile? file, ulong offset, out ulong mapped)
    {
        var (r, m) = _target.Run(() =>
        {
            var id = -1;
            if (file is not null)
            {
                var descriptor = HostScenarioTarget.Cast(file);
                _target.DescriptorInSelf(descriptor);
                id = descriptor.Id;
            }

            return (_target.Checked(_executor, _executor.Mmap(addr, length, prot, flags, id, offset, out var at)), at);
        });
        mapped = m;
        return r;
    }

    /// <inheritdoc/>
    public long Munmap(ulong addr, ulong length) => _target.Run(() => _target.Checked(_executor, _executor.Munmap(addr, length)));

    /// <inheritdoc/>
    public long Mprotect(ulong addr, ulong length, int prot) => _target.Run(() => _target.Checked(_executor, _executor.Mprotect(addr, length, prot)));

    /// <inheritdoc/>
    public long Mlock(ulong addr, ulong length) => _target.Run(() => _target.Checked(_executor, _executor.Mlock(addr, length)));

    /// <inheritdoc/>
    public long Munlock(ulong addr, ulong length) => _target.Run(() => _target.Checked(_executor, _executor.Munlock(addr, length)));

    /// <inheritdoc/>
    public long Madvise(ulong addr, ulong length, MemoryAdvice advice) => _target.Run(() => _target.Checked(_executor, _executor.Madvise(addr, length, advice)));

    /// <inheritdoc/>
    public long ProcessMadvise(PidfdArgument pidfd, VectorArgument vector, MemoryAdvice advice, ulong flags) => _target.Run(() =>
    {
        var reference = PidfdReference.From(pidfd, d => _target.DescriptorInSelf(d));
        return _target.Checked(_executor, _executor.ProcessMadvise(reference, vector, advice, flags));
    });

    /// <inheritdoc/>
    public long CreateFile(string name, ulong length, byte fill, bool memfd, out ITargetFile? file)
    {
        var (r, f) = _target.Run(() =>
        {
            var id = _target.NextDescriptorId();
            var result = _executor.CreateFile(id, name, length, fill, memfd);
            return (result, result == 0 ? new HostFile(id, name, this) : null);
        });
        file = f;
        return r;
    }

    /// <inheritdoc/>
    public long OpenPidfd(ITargetTask target, out ITargetPidfd? pidfd)
    {
        var (r, p) = _target.Run(() =>
        {
            var id = _target.NextDescriptorId();
            var result = _executor.OpenPidfd(id, HostScenarioTarget.PidOf(target));
            return (result, result == 0 ? new HostPidfd(id, this, target) : null);
        });
        pidfd = p;
        return r;
    }

    /// <inheritdoc/>
    public long Write(ulong addr, ulong length, byte value) => _target.Run(() => _target.Checked(_executor, _executor.Write(addr, length, value)));

    /// <inheritdoc/>
    public long Read(ulong addr, ulong length, ByteRuns into) => _target.Run(() => _executor.Read(addr, length, into.Append));

    /// <summary>
    /// mincore(2), run on the caller's thread: residency does not depend on the thread, CPU or
    /// credentials, and the caller's span cannot cross to the step thread.
    /// </summary>
    public long Mincore(ulong addr, ulong length, Span<byte> vec) => HostMincore.Call(addr, length, vec);

    /// <inheritdoc/>
    public long Vmas(ulong addr, ulong length, List<MappingInfo> into) => _target.Run(() => _executor.Vmas(addr, length, into));
}
