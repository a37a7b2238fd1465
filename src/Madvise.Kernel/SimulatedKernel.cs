using Madvise.Kernel.Fs;
using Madvise.Kernel.Mm;
using Madvise.Kernel.Mm.Physical;
using Madvise.Kernel.Mm.Reclaim;
using Madvise.Kernel.Tasks;

namespace Madvise.Kernel;

/// <summary>
/// One simulated Linux kernel: physical memory, swap, LRU lists, processes and files, with
/// the configuration and profile fixed at creation. Thread-safe; see <see cref="MmStruct"/>
/// for the lock order.
/// </summary>
public sealed class SimulatedKernel : IDisposable
{
    private long _nextIno = 1;

    /// <summary>
    /// Creates a kernel with <paramref name="config"/> (default: <see cref="KernelConfig.Default"/>);
    /// its RAM's native blocks come from <paramref name="chunks"/> when given (see <see cref="FrameChunkPool"/>).
    /// </summary>
    public SimulatedKernel(KernelConfig? config = null, FrameChunkPool? chunks = null)
    {
        Config = config ?? KernelConfig.Default;
        Memory = new PhysicalMemory(Config.MemoryBytes, chunks);
        Lru = new Lru(Memory);
        Memory.Lru = Lru;
        Swap = Config.SwapBytes >= PageFrameSize ? new SwapArea(Memory, Config.SwapBytes) : null;
        Processes = new ProcessTable(this);
    }

    private const ulong PageFrameSize = 4096;

    /// <summary>The configuration this kernel was built with.</summary>
    public KernelConfig Config { get; }

    /// <summary>The locking profile (shortcut for Config.Profile).</summary>
    public KernelProfile Profile => Config.Profile;

    /// <summary>Physical memory.</summary>
    public PhysicalMemory Memory { get; }

    /// <summary>The LRU lists.</summary>
    internal Lru Lru { get; }

    /// <summary>The swap device, or null without swap.</summary>
    internal SwapArea? Swap { get; }

    /// <summary>Processes.</summary>
    public ProcessTable Processes { get; }

    /// <summary>Event counters.</summary>
    public KernelStatistics Stats { get; } = new();

    /// <summary>Creates a process with an empty address space and <paramref name="cred"/> (default: root with every capability).</summary>
    public TaskStruct CreateProcess(Credentials? cred = null) =>
        Processes.Create(null, cred ?? Credentials.Root, new MmStruct(this), new FdTable());

    /// <summary>Creates a file of <paramref name="size"/> bytes whose every byte is <paramref name="fill"/>,
    /// with all its pages in the page cache, clean (regular file), or a shmem file (memfd).</summary>
    internal Inode CreateInode(ulong size, byte fill, bool shmem, uint ownerUid) =>
        new(Memory, Swap, Interlocked.Increment(ref _nextIno), size, fill, shmem, ownerUid);

    /// <summary>
    /// Memory pressure: reclaims up to <paramref name="maxPages"/> frames from the LRU lists, oldest
    /// inactive pages first (clean lazy-free pages are discarded, clean file pages dropped,
    /// anonymous pages swapped out when there is swap).
    /// </summary>
    /// <returns>Frames freed.</returns>
    public long Reclaim(long maxPages = long.MaxValue) => Vmscan.ShrinkInactive(this, maxPages);

    /// <summary>Releases physical memory and swap. Nothing may run on the kernel afterwards.</summary>
    public void Dispose()
    {
        Swap?.Dispose();
        Memory.Dispose();
    }
}
