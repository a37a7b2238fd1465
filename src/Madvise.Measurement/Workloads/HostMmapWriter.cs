using Madvise.Host;
using Madvise.Abi;

namespace Madvise.Measurement.Workloads;

/// <summary>
/// The contention writer on the host: real mmap/munmap or mprotect in this process, on the middle
/// page of three it maps PROT_NONE, so the page never merges with a neighbour.
/// </summary>
public sealed class HostMmapWriter : IMmapWriter
{
    /// <summary>Bytes per page.</summary>
    private const int PageBytes = (int)PageSize.PAGE_SIZE;

    /// <summary>What the writer does.</summary>
    private readonly WriterKind _kind;

    /// <summary>Start of the writer's three pages.</summary>
    private readonly nint _region;

    /// <summary>Which of the kind's two calls comes next (mapped / writable).</summary>
    private bool _toggled;

    /// <summary>Maps the writer's fenced pages.</summary>
    public HostMmapWriter(WriterKind kind)
    {
        _kind = kind;
        _region = HostMemory.Mmap(0, 3 * PageBytes, Prot.PROT_NONE, MapFlags.MAP_PRIVATE | MapFlags.MAP_ANONYMOUS);
    }

    /// <inheritdoc/>
    public long Step()
    {
        var page = _region + PageBytes;
        _toggled = !_toggled;
        int errno;
        if (_kind == WriterKind.Mprotect)
        {
            return HostMemory.TryMprotect(page, PageBytes, _toggled ? Prot.PROT_READ : Prot.PROT_READ | Prot.PROT_WRITE, out errno) ? 0 : -errno;
        }

        if (!_toggled)
        {
            return HostMemory.TryMunmap(page, PageBytes, out errno) ? 0 : -errno;
        }

        return HostMemory.TryMmap(page, PageBytes, Prot.PROT_READ, MapFlags.MAP_PRIVATE | MapFlags.MAP_ANONYMOUS | MapFlags.MAP_FIXED, null, 0, out _, out errno) ? 0 : -errno;
    }

    /// <inheritdoc/>
    public void Dispose() => HostMemory.TryMunmap(_region, 3 * PageBytes, out _);
}
