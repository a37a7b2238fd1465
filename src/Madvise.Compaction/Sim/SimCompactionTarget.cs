using System.Globalization;
using System.Runtime.InteropServices;
using Madvise.Compaction.Engine;
using Madvise.Kernel;
using Madvise.Kernel.Mm;
using Madvise.Kernel.Mm.Vmas;
using Madvise.Kernel.Syscalls;
using Madvise.Kernel.Tasks;

namespace Madvise.Compaction.Sim;

/// <summary>
/// A task of a simulated kernel, compacted by another task of the same kernel (the compactor) as a
/// real compactor compacts a process: a pidfd in the compactor's descriptor table, the iovec
/// array written into the compactor's memory, process_madvise() through the system call layer
/// (so every profile's locking and Linux's permission checks apply).
/// </summary>
/// <remarks>
/// The compactor task is used by one thread at a time (the compacting thread); the target may run
/// threads of its own meanwhile (a writer taking its mmap_lock).
/// </remarks>
public sealed class SimCompactionTarget : ICompactionTarget
{
    /// <summary>Room for one vector of UIO_MAXIOV entries.</summary>
    private const ulong VectorBytes = (ulong)IoVec.UIO_MAXIOV * IoVec.Size;

    /// <summary>The target task.</summary>
    private readonly TaskStruct _target;

    /// <summary>The compacting task.</summary>
    private readonly TaskStruct _compactor;

    /// <summary>The compactor's pidfd of the target.</summary>
    private readonly long _pidfd;

    /// <summary>The iovec array in the compactor's memory.</summary>
    private readonly ulong _vector;

    /// <summary>Opens a pidfd of <paramref name="target"/> in <paramref name="compactor"/> and maps the compactor's iovec array.</summary>
    /// <exception cref="CompactionException">pidfd_open or the array's mmap failed (ESRCH: the target was reaped).</exception>
    public SimCompactionTarget(TaskStruct target, TaskStruct compactor)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(compactor);
        _target = target;
        _compactor = compactor;
        _pidfd = Sys.PidfdOpen(compactor, target.Pid, 0);
        if (_pidfd < 0)
        {
            throw new CompactionException((int)-_pidfd, $"simulated pidfd_open({target.Pid}): {Errno.Format(_pidfd)}");
        }

        var vector = Sys.Mmap(compactor, 0, VectorBytes, Prot.PROT_READ | Prot.PROT_WRITE, MapFlags.MAP_PRIVATE | MapFlags.MAP_ANONYMOUS, -1, 0);
        if (vector < 0)
        {
            throw new CompactionException((int)-vector, $"simulated mmap of the iovec array: {Errno.Format(vector)}");
        }

        _vector = (ulong)vector;
        Description = string.Create(CultureInfo.InvariantCulture, $"simulated pid {target.Pid} ({target.Kernel.Profile})");
    }

    /// <inheritdoc/>
    public string Description { get; }

    /// <inheritdoc/>
    public int Pid => _target.Pid;

    /// <inheritdoc/>
    public ulong UserAddressLimit => PageSize.TASK_SIZE;

    /// <summary>The simulated kernel.</summary>
    public SimulatedKernel Kernel => _target.Kernel;

    /// <inheritdoc/>
    public IReadOnlyList<TargetMapping> ReadMappings()
    {
        // /proc/PID/maps of another process: mm_access(PTRACE_MODE_READ).
        if (!PtraceAccess.MayAccess(_compactor, _target))
        {
            throw new CompactionException(Errno.EACCES, FailureExplanation.ForMaps(Errno.EACCES, Description));
        }

        var mm = _target.Mm ?? throw new CompactionException(Errno.ESRCH, FailureExplanation.ForMaps(Errno.ESRCH, Description));
        var maps = mm.Maps();
        var list = new List<TargetMapping>(maps.Count);
        foreach (var m in maps)
        {
            var f = m.Flags;
            list.Add(new TargetMapping(
                m.Start,
                m.End,
                (f & VmFlags.VM_READ) != 0,
                (f & VmFlags.VM_WRITE) != 0,
                (f & VmFlags.VM_EXEC) != 0,
                (f & VmFlags.VM_MAYSHARE) != 0,
                (ulong)m.Inode,
                string.Empty));
        }

        return list;
    }

    /// <inheritdoc/>
    public MemoryRollup? ReadRollup()
    {
        if (_target.Mm is not { } mm)
        {
            return null;
        }

        // smaps_rollup: the sum of every mapping's smaps counters, gathered under one mmap read lock.
        long rss = 0, anon = 0, swap = 0, locked = 0;
        foreach (var e in mm.Smaps(0, mm.TaskSize))
        {
            rss += e.Rss;
            anon += e.Anonymous;
            swap += e.Swap;
            locked += e.Locked;
        }

        return new MemoryRollup(rss, anon, swap, locked);
    }

    /// <inheritdoc/>
    public SwapState ReadSwap()
    {
        var total = (long)(Kernel.Config.SwapBytes >> 10);
        return total == 0 ? SwapState.None : new SwapState(total, total, null);
    }

    /// <inheritdoc/>
    public long ProcessMadvise(ReadOnlySpan<IoVec> vector, MemoryAdvice advice)
    {
        if (vector.Length > IoVec.UIO_MAXIOV)
        {
            throw new ArgumentOutOfRangeException(nameof(vector), vector.Length, "At most UIO_MAXIOV ranges.");
        }

        if (!vector.IsEmpty)
        {
            var bytes = MemoryMarshal.AsBytes(vector);
            var mm = _compactor.Mm ?? throw new InvalidOperationException("the simulated compactor exited");
            if (mm.WriteUser(_vector, bytes) != bytes.Length)
            {
                throw new InvalidOperationException("writing the simulated iovec array faulted");
            }
        }

        return Sys.ProcessMadvise(_compactor, _pidfd, vector.IsEmpty ? 0 : _vector, (ulong)vector.Length, advice, 0);
    }

    /// <summary>Closes the compactor's pidfd and unmaps its array (the tasks stay).</summary>
    public void Dispose()
    {
        Sys.Close(_compactor, _pidfd);
        Sys.Munmap(_compactor, _vector, VectorBytes);
    }
}
