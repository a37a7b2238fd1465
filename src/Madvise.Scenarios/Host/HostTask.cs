using Madvise.Host;

namespace Madvise.Scenarios.Host;

/// <summary>
/// A task of the host target. Each step becomes a <see cref="HostOperation"/> that runs in the
/// task's own process: task <c>self</c> (<see cref="SelfTask"/>) runs it on the target's step
/// thread, an agent task (<see cref="AgentTask"/>) sends it over its socket, a forked task
/// (<see cref="ForkedTask"/>) runs it on the step thread with system calls that run in the child.
/// </summary>
/// <remarks>Every method hands itself over to the target's step thread, where all of a task's state lives.</remarks>
internal abstract class HostTask : ITargetTask
{
    /// <summary>Wraps task <paramref name="name"/> of <paramref name="target"/>, process <paramref name="pid"/>.</summary>
    protected HostTask(HostScenarioTarget target, string name, int pid)
    {
        Target = target;
        Name = name;
        Pid = pid;
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>The task's process.</summary>
    public int Pid { get; }

    /// <inheritdoc/>
    public abstract bool HasExited { get; }

    /// <summary>The target this task belongs to.</summary>
    protected HostScenarioTarget Target { get; }

    /// <inheritdoc/>
    public abstract long Exit();

    /// <inheritdoc/>
    public virtual string? CheckDeath() => null;

    /// <summary>
    /// <c>fork</c> run by this task (step thread only): its process forks; the child is a fork
    /// server (<see cref="NativeFork"/>) and a child of the target's process.
    /// </summary>
    /// <returns>The child, or null with <paramref name="failure"/> set to the step's result.</returns>
    internal abstract ForkedTask? Fork(string name, out string? failure);

    /// <summary>A duplicate of descriptor <paramref name="id"/>, which this task holds, in the target's process (step thread only); -1 when it cannot be had.</summary>
    internal virtual int FetchDescriptor(int id) => -1;

    /// <inheritdoc/>
    public virtual long SetUid(uint uid) => Run(new SetUidOperation { Uid = uid });

    /// <inheritdoc/>
    public long DropCapability(int capability) => Run(new DropCapabilityOperation { Capability = capability });

    /// <inheritdoc/>
    public long Mmap(ulong addr, ulong length, int prot, int flags, ITargetFile? file, ulong offset, out ulong mapped)
    {
        var operation = new MmapOperation { Address = addr, Length = length, Prot = prot, Flags = flags, Offset = offset };
        var r = Target.Run(() =>
        {
            if (file is not null)
            {
                operation.File = Hold(HostScenarioTarget.Cast(file));
            }

            return Invoke(operation);
        });
        mapped = r == 0 ? operation.Mapped : 0;
        return r;
    }

    /// <inheritdoc/>
    public long Munmap(ulong addr, ulong length) => Run(new MunmapOperation { Address = addr, Length = length });

    /// <inheritdoc/>
    public long Mprotect(ulong addr, ulong length, int prot) => Run(new MprotectOperation { Address = addr, Length = length, Prot = prot });

    /// <inheritdoc/>
    public long Mlock(ulong addr, ulong length) => Run(new MlockOperation { Address = addr, Length = length });

    /// <inheritdoc/>
    public long Munlock(ulong addr, ulong length) => Run(new MunlockOperation { Address = addr, Length = length });

    /// <inheritdoc/>
    public long Madvise(ulong addr, ulong length, MemoryAdvice advice) => Run(new MadviseOperation { Address = addr, Length = length, Advice = advice });

    /// <inheritdoc/>
    public long ProcessMadvise(PidfdArgument<ITargetPidfd> pidfd, VectorArgument<ulong> vector, MemoryAdvice advice, ulong flags) => Target.Run(() =>
    {
        pidfd.TryResolve(
            (ITargetPidfd named, out int id) =>
            {
                id = Hold(HostScenarioTarget.Cast(named));
                return true;
            },
            out var reference);
        return Invoke(new ProcessMadviseOperation { Pidfd = reference!, Vector = vector, Advice = advice, Flags = flags });
    });

    /// <inheritdoc/>
    public long CreateFile(string name, ulong length, byte fill, bool memfd, out ITargetFile? file)
    {
        var r = CreateDescriptor(
            id => new CreateFileOperation { Id = id, Name = name, Length = length, Fill = fill, Memfd = memfd },
            id => new HostFile(id, name, this),
            out var created);
        file = created;
        return r;
    }

    /// <inheritdoc/>
    public long OpenPidfd(ITargetTask target, out ITargetPidfd? pidfd)
    {
        var r = CreateDescriptor(
            id => new OpenPidfdOperation { Id = id, Pid = HostScenarioTarget.PidOf(target) },
            id => new HostPidfd(id, this, target),
            out var created);
        pidfd = created;
        return r;
    }

    /// <inheritdoc/>
    public long Write(ulong addr, ulong length, byte value) => Run(new WriteOperation { Address = addr, Length = length, Value = value });

    /// <inheritdoc/>
    public long Read(ulong addr, ulong length, ByteRuns into) => Run(new ReadOperation { Address = addr, Length = length, Runs = into });

    /// <inheritdoc/>
    public virtual long Mincore(ulong addr, ulong length, Span<byte> vec)
    {
        if (HarnessSyscalls.MincorePages(length) > (ulong)vec.Length)
        {
            throw new ArgumentException($"mincore of {length} bytes needs {HarnessSyscalls.MincorePages(length)} vector bytes, got {vec.Length}.", nameof(vec));
        }

        var operation = new MincoreOperation { Address = addr, Length = length, VectorLength = (uint)vec.Length };
        var r = Run(operation);
        if (r == 0)
        {
            operation.Vector.AsSpan(0, Math.Min(operation.Vector.Length, vec.Length)).CopyTo(vec);
        }

        return r;
    }

    /// <inheritdoc/>
    public long Vmas(ulong addr, ulong length, List<MappingInfo> into) => Run(new VmasOperation { Address = addr, Length = length, Mappings = into });

    /// <inheritdoc/>
    public long Smaps(ulong addr, ulong length, List<SmapsInfo> into) => Run(new SmapsOperation { Address = addr, Length = length, Mappings = into });

    /// <summary>
    /// Runs <paramref name="operation"/> in this task's process (step thread only); a
    /// <see cref="TargetResult.NotSupported"/> result leaves its reason in
    /// <see cref="HostScenarioTarget.LastSkipReason"/>. The operation's reply fields are set after a result &gt;= 0.
    /// </summary>
    protected abstract long Invoke(HostOperation operation);

    /// <summary>Makes this task hold <paramref name="descriptor"/> for the next operation (step thread only); returns its id.</summary>
    protected abstract int Hold(HostDescriptor descriptor);

    /// <summary>This task now holds descriptor <paramref name="id"/>, which one of its operations created (step thread only).</summary>
    protected virtual void Created(int id)
    {
    }

    private long Run(HostOperation operation) => Target.Run(() => Invoke(operation));

    /// <summary>Runs an operation that creates a descriptor under a new id; on success this task holds it.</summary>
    private long CreateDescriptor<T>(Func<int, HostOperation> operation, Func<int, T> describe, out T? created)
        where T : HostDescriptor
    {
        var (r, d) = Target.Run(() =>
        {
            var id = Target.NextDescriptorId();
            var result = Invoke(operation(id));
            if (result != 0)
            {
                return (result, (T?)null);
            }

            Created(id);
            return (result, describe(id));
        });
        created = d;
        return r;
    }
}
