using Madvise.Abi;
using Madvise.Kernel.Mm.Physical;
using Madvise.Kernel.Syscalls;
using Madvise.Kernel.Tasks;

namespace Madvise.Measurement.Workloads;

/// <summary>
/// The contention writer on the simulated kernel: a second thread of the advising task. It owns
/// three pages mapped PROT_NONE and works on the middle one, so the page never merges with a
/// neighbour and its write-lock operations touch no VMA but its own.
/// </summary>
public sealed class SimMmapWriter : IMmapWriter
{
    /// <summary>Bytes per page.</summary>
    private const ulong PageBytes = PageSize.PAGE_SIZE;

    /// <summary>The task whose mmap_lock the writer takes.</summary>
    private readonly TaskStruct _task;

    /// <summary>What the writer does.</summary>
    private readonly WriterKind _kind;

    /// <summary>Start of the writer's three pages.</summary>
    private readonly ulong _region;

    /// <summary>Which of the kind's two calls comes next (mapped / writable).</summary>
    private bool _toggled;

    /// <summary>Maps the writer's fenced pages.</summary>
    public SimMmapWriter(TaskStruct task, WriterKind kind)
    {
        _task = task;
        _kind = kind;
        var r = Sys.Mmap(task, 0, 3 * PageBytes, Prot.PROT_NONE, MapFlags.MAP_PRIVATE | MapFlags.MAP_ANONYMOUS, -1, 0);
        _region = r >= 0 ? (ulong)r : throw new InvalidOperationException("simulated mmap of the writer's pages failed: " + Errno.Format(r));
    }

    /// <inheritdoc/>
    public long Step()
    {
        var page = _region + PageBytes;
        _toggled = !_toggled;
        if (_kind == WriterKind.Mprotect)
        {
            return Sys.Mprotect(_task, page, PageBytes, (ulong)(_toggled ? Prot.PROT_READ : Prot.PROT_READ | Prot.PROT_WRITE));
        }

        if (!_toggled)
        {
            return Sys.Munmap(_task, page, PageBytes);
        }

        var r = Sys.Mmap(_task, page, PageBytes, Prot.PROT_READ, MapFlags.MAP_PRIVATE | MapFlags.MAP_ANONYMOUS | MapFlags.MAP_FIXED, -1, 0);
        return r < 0 ? r : 0;
    }

    /// <inheritdoc/>
    public void Dispose() => Sys.Munmap(_task, _region, 3 * PageBytes);
}
