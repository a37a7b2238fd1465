using Madvise.Host;
using Madvise.Abi;

namespace Madvise.Bench.Host;

/// <summary>
/// The 256 MiB buffer the DONTNEED benchmarks advise: mapped once, kept out of THP, populated
/// before every measured pass, with the page vectors built in advance.
/// </summary>
internal sealed class DontNeedPass : IDisposable
{
    /// <summary>Bytes in a page.</summary>
    public const int P = (int)PageSize.PAGE_SIZE;

    /// <summary>Pages in the buffer.</summary>
    public const int Pages = DontNeedLoop.Size / P;

    /// <summary>Creates the buffer, a pidfd of this process and the vectors.</summary>
    public DontNeedPass()
    {
        Region = MappedRegion.Allocate(DontNeedLoop.Size);
        Region.Advise(Region.Address, Region.Length, MemoryAdvice.MADV_NOHUGEPAGE);
        Pidfd = SafePidfdHandle.OpenSelf();
        Every = new IoVec[Pages];
        Alternate = new IoVec[Pages / 2];
        for (var i = 0; i < Pages; i++)
        {
            Every[i] = new IoVec((ulong)Region.Address + ((ulong)i * P), P);
        }

        for (var i = 0; i < Pages / 2; i++)
        {
            Alternate[i] = new IoVec((ulong)Region.Address + ((ulong)i * 2 * P), P);
        }
    }

    /// <summary>The buffer.</summary>
    public MappedRegion Region { get; }

    /// <summary>A pidfd of this process.</summary>
    public SafePidfdHandle Pidfd { get; }

    /// <summary>One iovec per page.</summary>
    public IoVec[] Every { get; }

    /// <summary>One iovec for every other page.</summary>
    public IoVec[] Alternate { get; }

    /// <summary>
    /// Drops the whole buffer, then faults every page in again (MADV_POPULATE_WRITE): every pass
    /// starts with real pages to drop and from the same state, whatever the previous pass left.
    /// </summary>
    public void Populate()
    {
        Drop();
        HostMemory.Madvise(Region.Address, Region.Length, MemoryAdvice.MADV_POPULATE_WRITE);
    }

    /// <summary>Drops the whole buffer: a pass after this has no pages to free, only the calls' fixed cost.</summary>
    public void Drop() => HostMemory.Madvise(Region.Address, Region.Length, MemoryAdvice.MADV_DONTNEED);

    /// <summary>process_madvise(DONTNEED) over <paramref name="ranges"/> in calls of <paramref name="vlen"/> ranges.</summary>
    public void Vectors(IoVec[] ranges, int vlen)
    {
        for (var i = 0; i < ranges.Length; i += vlen)
        {
            var slice = new ReadOnlySpan<IoVec>(ranges, i, Math.Min(vlen, ranges.Length - i));
            if (!HostMemory.TryProcessMadvise(Pidfd, slice, MemoryAdvice.MADV_DONTNEED, 0, out _, out var errno))
            {
                throw new MadviseException("process_madvise(DONTNEED)", errno);
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Pidfd.Dispose();
        Region.Dispose();
    }
}
