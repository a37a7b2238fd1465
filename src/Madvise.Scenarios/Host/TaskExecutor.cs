using Madvise.Host;
using Madvise.Abi;

namespace Madvise.Scenarios.Host;

/// <summary>
/// Runs scenario steps inside the process it lives in: the .NET process of task <c>self</c>
/// (on the target's step thread) or an agent process (on the agent's one thread).
/// </summary>
/// <remarks>
/// Every method returns a scenario result: a value, a negative errno, or
/// <see cref="TargetResult.NotSupported"/> with <see cref="LastRefusal"/> saying why
/// (<see cref="ScenarioMemoryGuard"/>). Not thread-safe: one thread calls it, always the same
/// one, because capabilities are per thread and the kernel's LRU batches are per CPU.
/// </remarks>
internal sealed partial class TaskExecutor : IDisposable
{
    /// <summary>Largest piece a read or write moves with one process_vm_readv/writev call.</summary>
    internal const int Chunk = 1 << 20;

    /// <summary>Most iovecs a seq(...) vector builds: one more than UIO_MAXIOV, which the kernel rejects before reading the array.</summary>
    internal const int MaxBuiltIovecs = IoVec.UIO_MAXIOV + 1;

    /// <summary>The system calls of the task's process.</summary>
    private readonly ITaskSyscalls _sys;

    /// <summary>The refusal checks and the scenario's own ranges in the task's process.</summary>
    private readonly ScenarioMemoryGuard _guard;

    /// <summary>Where unhinted mmaps are placed.</summary>
    private readonly MmapArena _arena;

    /// <summary>The task's pid.</summary>
    private readonly int _pid;

    /// <summary>Buffer for reads and writes, allocated on first use.</summary>
    private byte[]? _buffer;

    /// <summary>Reused iovec array for <c>pmadvise</c> vectors of up to <see cref="MaxBuiltIovecs"/> entries.</summary>
    private IoVec[]? _iovecs;

    /// <summary>An executor of steps in this process, with an arena of its own.</summary>
    public TaskExecutor()
        : this(LocalSyscalls.Instance, new MmapArena())
    {
    }

    /// <summary>An executor of steps through <paramref name="sys"/>, placing unhinted mmaps in <paramref name="arena"/>.</summary>
    internal TaskExecutor(ITaskSyscalls sys, MmapArena arena)
    {
        _sys = sys;
        _arena = arena;
        _pid = sys.Pid;
        _guard = new ScenarioMemoryGuard(sys);
    }

    /// <summary>Why the last call returned <see cref="TargetResult.NotSupported"/>.</summary>
    public string? LastRefusal { get; private set; }

    /// <summary>The ranges the scenario mapped in this process.</summary>
    internal RangeSet Owned => _guard.Owned;

    /// <summary>Where unhinted mmaps are placed (tests).</summary>
    internal MmapArena Arena => _arena;

    /// <summary>mmap(2); on success records the new range as scenario memory.</summary>
    /// <param name="descriptor">Descriptor id of a file (see <see cref="TryGetDescriptor"/>), or -1 for none.</param>
    public long Mmap(ulong addr, ulong length, int prot, int flags, int descriptor, ulong offset, out ulong mapped)
    {
        mapped = 0;
        if (Refuse(_guard.CheckMmap(addr, length, flags)))
        {
            return TargetResult.NotSupported;
        }

        var fd = -1;
        if (descriptor >= 0 && !TryGetDescriptor(descriptor, out fd))
        {
            return -Errno.EBADF;
        }

        var r = addr == 0 && (flags & (MapFlags.MAP_FIXED | MapFlags.MAP_FIXED_NOREPLACE)) == 0
            ? MmapInArena(length, prot, flags, fd, offset)
            : _sys.Mmap(addr, length, prot, flags, fd, offset);
        if (Errno.IsErrorValue(r))
        {
            return r;
        }

        mapped = (ulong)r;
        _guard.Mapped(mapped, length);
        return 0;
    }

    /// <summary>
    /// An unhinted mmap placed in the arena (<see cref="MmapArena"/>) with MAP_FIXED_NOREPLACE,
    /// which can never replace anything. When the arena has no room, or the kernel refuses the
    /// placed call for any reason but EEXIST, the call goes to the kernel as the scenario wrote
    /// it, so the result is the kernel's own answer.
    /// </summary>
    private long MmapInArena(ulong length, int prot, int flags, int fd, ulong offset)
    {
        var len = PageSize.PageAlign(length);
        var alignment = MmapArena.Alignment(len, flags, fd >= 0);
        RangeSet? occupied = null;
        for (var attempt = 0; attempt < 2 && len != 0; attempt++)
        {
            // First from what the scenario mapped; after an EEXIST also from what the process maps.
            if (!_arena.TryFindTopDown(occupied?.Ranges ?? _guard.Owned.Ranges, len, alignment, out var at))
            {
                break;
            }

            var r = _sys.Mmap(at, length, prot, flags | MapFlags.MAP_FIXED_NOREPLACE, fd, offset);
            if (r != -Errno.EEXIST)
            {
                if (!Errno.IsErrorValue(r))
                {
                    return r;
                }

                break;
            }

            occupied = OccupiedInArena();
        }

        return _sys.Mmap(0, length, prot, flags, fd, offset);
    }

    /// <summary>The scenario's ranges plus every mapping of the task's /proc/self/maps inside the arena.</summary>
    private RangeSet OccupiedInArena()
    {
        var set = new RangeSet();
        foreach (var (start, end) in _guard.Owned.Ranges)
        {
            set.Add(start, end);
        }

        foreach (var m in _sys.EnumerateMaps())
        {
            if (m.Start >= _arena.Top)
            {
                break;
            }

            if (m.End > _arena.Bottom)
            {
                set.Add(m.Start, m.End);
            }
        }

        return set;
    }

    /// <summary>munmap(2); on success the range stops being scenario memory.</summary>
    public long Munmap(ulong addr, ulong length)
    {
        if (Refuse(_guard.CheckAlignedRange("munmap", addr, length)))
        {
            return TargetResult.NotSupported;
        }

        var r = _sys.Munmap(addr, length);
        if (r == 0)
        {
            _guard.Unmapped(addr, length);
        }

        return r;
    }

    /// <summary>mprotect(2).</summary>
    public long Mprotect(ulong addr, ulong length, int prot) =>
        Refuse(_guard.CheckAlignedRange("mprotect", addr, length)) ? TargetResult.NotSupported : _sys.Mprotect(addr, length, prot);

    /// <summary>mlock(2).</summary>
    public long Mlock(ulong addr, ulong length) =>
        Refuse(_guard.CheckLockRange("mlock", addr, length)) ? TargetResult.NotSupported : _sys.Mlock(addr, length);

    /// <summary>munlock(2).</summary>
    public long Munlock(ulong addr, ulong length) =>
        Refuse(_guard.CheckLockRange("munlock", addr, length)) ? TargetResult.NotSupported : _sys.Munlock(addr, length);

    /// <summary>madvise(2).</summary>
    public long Madvise(ulong addr, ulong length, MemoryAdvice advice) =>
        Refuse(_guard.CheckMadvise(addr, length, advice)) ? TargetResult.NotSupported : _sys.Madvise(addr, length, advice);

    /// <summary>mincore(2).</summary>
    public long Mincore(ulong addr, ulong length, Span<byte> vec) => _sys.Mincore(addr, length, vec);

    /// <summary>Unmaps what the scenario mapped here and closes every descriptor.</summary>
    public void Dispose()
    {
        foreach (var (start, end) in _guard.Owned.Ranges)
        {
            _sys.Munmap(start, end - start);
        }

        _guard.Owned.Clear();
        CloseDescriptors();
    }

    /// <summary>Records a refusal reason; true when there is one.</summary>
    private bool Refuse(string? reason)
    {
        LastRefusal = reason;
        return reason is not null;
    }

    /// <summary>The read/write buffer of <see cref="Chunk"/> bytes.</summary>
    private byte[] Buffer => _buffer ??= new byte[Chunk];
}
