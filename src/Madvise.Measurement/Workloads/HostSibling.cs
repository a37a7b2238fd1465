using Madvise.Host;

namespace Madvise.Measurement.Workloads;

/// <summary>
/// A sibling thread of the advising thread on the host: a real thread of this process. Waking and
/// blocking are the kernel's business (switch_mm, lazy TLB); touching writes its own pages.
/// </summary>
internal sealed unsafe class HostSibling : ISiblingBody, IDisposable
{
    /// <summary>Bytes of the sibling's own memory.</summary>
    private const int Bytes = SimSibling.OwnPages * (int)PageSize.PAGE_SIZE;

    /// <summary>The sibling's own pages; 0 when it does not touch memory.</summary>
    private readonly nint _pages;

    /// <summary>Maps the sibling's own pages when it is to touch them.</summary>
    /// <exception cref="MadviseException">They cannot be mapped.</exception>
    public HostSibling(SiblingWork work)
    {
        if (work == SiblingWork.Touch)
        {
            _pages = HostMemory.Mmap(0, Bytes, Prot.PROT_READ | Prot.PROT_WRITE, MapFlags.MAP_PRIVATE | MapFlags.MAP_ANONYMOUS);
        }
    }

    /// <inheritdoc/>
    public void Wake()
    {
    }

    /// <inheritdoc/>
    public void Block()
    {
    }

    /// <inheritdoc/>
    public void Touch()
    {
        var p = (byte*)_pages;
        for (var i = 0; i < SimSibling.OwnPages; i++)
        {
            Volatile.Write(ref p[i * (int)PageSize.PAGE_SIZE], (byte)i);
        }
    }

    /// <summary>Unmaps the pages.</summary>
    public void Dispose()
    {
        if (_pages != 0)
        {
            HostMemory.TryMunmap(_pages, Bytes, out _);
        }
    }
}
