using System.Runtime.InteropServices;

namespace Madvise.Kernel.Mm.Physical;

/// <summary>
/// Native blocks of frame data (2 MiB each, one <see cref="PhysicalMemory"/> chunk) handed from
/// kernels that were disposed to kernels created after them, for a tool that runs one workload
/// on kernel after kernel (madv replay: a fresh kernel per profile and pass). A new block's pages
/// are not yet backed by the host: the first store to each costs a host page fault and a host
/// page clear, which a block used before does not cost again. This changes nothing the
/// simulated kernel answers or counts: a frame's data is cleared when it is allocated zeroed,
/// whichever block it lives in, exactly as for a frame freed and reused within one kernel.
/// </summary>
/// <remarks>
/// Thread-safe: <see cref="_lock"/> (a leaf lock) protects <see cref="_blocks"/> and
/// <see cref="_disposed"/>. Disposing the pool frees the blocks it holds; blocks returned
/// afterwards are freed at once.
/// </remarks>
public sealed class FrameChunkPool : IDisposable
{
    /// <summary>Protects <see cref="_blocks"/> and <see cref="_disposed"/>.</summary>
    private readonly Lock _lock = new();

    /// <summary>Blocks returned and not yet taken again.</summary>
    private readonly Stack<nint> _blocks = new();

    private bool _disposed;

    /// <summary>Blocks the pool holds now.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _blocks.Count;
            }
        }
    }

    /// <summary>A block of <see cref="PhysicalMemory.HugeBytes"/> bytes aligned to a page: one returned earlier, else a new one.</summary>
    internal unsafe nint Rent()
    {
        lock (_lock)
        {
            if (_blocks.TryPop(out var block))
            {
                return block;
            }
        }

        return Allocate();
    }

    /// <summary>A block from the system (the allocation <see cref="PhysicalMemory"/> makes without a pool).</summary>
    internal static unsafe nint Allocate() => (nint)NativeMemory.AlignedAlloc(PhysicalMemory.HugeBytes, PhysicalMemory.PageBytes);

    /// <summary>Takes back <paramref name="block"/> from a disposed kernel (frees it if the pool is disposed).</summary>
    internal unsafe void Return(nint block)
    {
        lock (_lock)
        {
            if (!_disposed)
            {
                _blocks.Push(block);
                return;
            }
        }

        NativeMemory.AlignedFree((void*)block);
    }

    /// <summary>Frees every block the pool holds.</summary>
    public unsafe void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            while (_blocks.TryPop(out var block))
            {
                NativeMemory.AlignedFree((void*)block);
            }
        }
    }
}
