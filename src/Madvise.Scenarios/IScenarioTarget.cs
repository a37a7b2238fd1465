namespace Madvise.Scenarios;

/// <summary>
/// A kernel that scenario steps run on: the simulated kernel (<c>sim</c>) or the Linux
/// kernel this process runs on (<c>host</c>).
/// </summary>
/// <remarks>
/// The runner (<see cref="ScenarioRunner"/>) owns everything that is the same on every
/// target: name bindings, expectations, SKIP rules, and the canonical result strings.
/// A target performs raw operations and returns Linux-style results: a value, or a
/// negative errno. Addresses passed in are already resolved. A target never throws for
/// anything a scenario can write; an exception from a target is a bug in the target.
/// </remarks>
public interface IScenarioTarget : IDisposable
{
    /// <summary><c>sim</c> or <c>host</c>.</summary>
    string Name { get; }

    /// <summary>
    /// The <c>config</c> step, which comes before every other step. The simulated kernel
    /// configures itself; the host compares with the running kernel.
    /// </summary>
    /// <returns>null when later steps can run, else the reason every later step prints <c>SKIP(config)</c>.</returns>
    string? Configure(ScenarioConfig config);

    /// <summary>The task <c>self</c> that every file starts in.</summary>
    ITargetTask Self { get; }

    /// <summary><c>task NAME</c>: a new process whose address space holds none of the scenario's mappings.</summary>
    /// <returns>The task, or null with <paramref name="failure"/> set (a <c>-ERRNO</c> or <c>SKIP(reason)</c> result).</returns>
    ITargetTask? CreateTask(string name, out string? failure);

    /// <summary><c>fork NAME</c> run by <paramref name="parent"/> (copy-on-write address space).</summary>
    /// <returns>The child, or null with <paramref name="failure"/> set (a <c>-ERRNO</c> or <c>SKIP(reason)</c> result).</returns>
    ITargetTask? Fork(ITargetTask parent, string name, out string? failure);
}

/// <summary>One task (process) of a target. Every call runs as that task.</summary>
public interface ITargetTask
{
    /// <summary>The scenario's name for the task (<c>self</c> for the main task).</summary>
    string Name { get; }

    /// <summary>True once <c>exit</c> ran for this task.</summary>
    bool HasExited { get; }

    /// <summary><c>exit TASK</c>: returns once the task has exited; it stays a zombie and its pidfds stay valid.</summary>
    long Exit();

    /// <summary>
    /// Whether the task died other than by the scenario's <c>exit</c> (its process killed by a
    /// signal, ended on its own, or no longer answering), and how, for the runner to report at
    /// the step where it was noticed: e.g. <c>task B (pid 4242) was killed by SIGKILL</c>. Null
    /// while it runs, after a clean <c>exit</c>, and on targets whose tasks cannot die on their
    /// own. Steps in a task that died print -ESRCH, as in an exited one.
    /// </summary>
    string? CheckDeath() => null;

    /// <summary><c>setuid TASK UID</c>: all uids/gids become <paramref name="uid"/>, supplementary groups and every capability are dropped, the task becomes non-dumpable.</summary>
    /// <returns>0, a negative errno, or <see cref="TargetResult.NotSupported"/> (the runner prints <c>SKIP(setuid self)</c> on the host).</returns>
    long SetUid(uint uid);

    /// <summary><c>dropcap TASK CAP</c>: clears one capability from every set.</summary>
    long DropCapability(int capability);

    /// <summary>mmap(2). On success returns 0 and sets <paramref name="mapped"/>.</summary>
    long Mmap(ulong addr, ulong length, int prot, int flags, ITargetFile? file, ulong offset, out ulong mapped);

    long Munmap(ulong addr, ulong length);

    long Mprotect(ulong addr, ulong length, int prot);

    long Mlock(ulong addr, ulong length);

    long Munlock(ulong addr, ulong length);

    long Madvise(ulong addr, ulong length, MemoryAdvice advice);

    /// <summary>process_madvise(2) with an iovec array the target places in this task's memory.</summary>
    /// <returns>Bytes advised, or a negative errno.</returns>
    long ProcessMadvise(PidfdArgument<ITargetPidfd> pidfd, VectorArgument<ulong> vector, MemoryAdvice advice, ulong flags);

    /// <summary><c>file NAME LEN BYTE [memfd]</c>: a filled, synced, unlinked file (or memfd) owned by this task.</summary>
    long CreateFile(string name, ulong length, byte fill, bool memfd, out ITargetFile? file);

    /// <summary>pidfd_open(2) of <paramref name="target"/>; the pidfd is owned by this task.</summary>
    long OpenPidfd(ITargetTask target, out ITargetPidfd? pidfd);

    /// <summary>Stores <paramref name="value"/> into every byte as a memset by the task would; stops at the first fault.</summary>
    /// <returns>0, or -EFAULT after storing the bytes before the fault.</returns>
    long Write(ulong addr, ulong length, byte value);

    /// <summary>Reads the range into <paramref name="into"/>.</summary>
    /// <returns>0, or a negative errno (-EFAULT) as soon as one byte cannot be read.</returns>
    long Read(ulong addr, ulong length, ByteRuns into);

    /// <summary>mincore(2) into <paramref name="vec"/> (one byte per page, bit 0 = resident).</summary>
    long Mincore(ulong addr, ulong length, Span<byte> vec);

    /// <summary>Appends every mapping that overlaps [addr, addr+length), in address order.</summary>
    long Vmas(ulong addr, ulong length, List<MappingInfo> into);

    /// <summary>Appends the smaps counters of every mapping that overlaps [addr, addr+length) (the end capped at 2^64), in address order.</summary>
    long Smaps(ulong addr, ulong length, List<SmapsInfo> into);
}

/// <summary>A file or memfd created by a <c>file</c> step; it belongs to the task that created it.</summary>
public interface ITargetFile
{
    string Name { get; }

    ITargetTask Owner { get; }
}

/// <summary>A pidfd created by a <c>pidfd</c> step; it belongs to the task that created it.</summary>
public interface ITargetPidfd
{
    string Name { get; }

    ITargetTask Owner { get; }
}

/// <summary>Results a target returns besides values and negative errnos.</summary>
public static class TargetResult
{
    /// <summary>The target cannot perform this step safely; the runner prints <c>SKIP(...)</c>.</summary>
    public const long NotSupported = long.MinValue;
}

/// <summary>One mapping as /proc/PID/smaps shows it.</summary>
/// <param name="Start">First address.</param>
/// <param name="End">First address after the mapping.</param>
/// <param name="Perms">The four-letter permission column, e.g. <c>rw-p</c>.</param>
/// <param name="Flags">The sorted VmFlags mnemonics among <c>dc dd gu hg lo mg nh rr sr wf</c>.</param>
public sealed record MappingInfo(ulong Start, ulong End, string Perms, IReadOnlyList<string> Flags);

/// <summary>Transparent huge page mode (/sys/kernel/mm/transparent_hugepage/enabled).</summary>
public enum ThpMode
{
    Always,
    Madvise,
    Never,
}

/// <summary>The keys of a <c>config</c> step; null means "not given".</summary>
public sealed record ScenarioConfig(ulong? Swap, bool? MemoryFailure, ThpMode? Thp, bool? Ksm);
