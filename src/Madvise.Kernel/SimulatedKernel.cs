using Madvise.Kernel.Fs;
using Madvise.Kernel.Mm;
using Madvise.Kernel.Mm.Locking;
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
    /// <exception cref="ArgumentOutOfRangeException">A setting is outside the limits of <see cref="KernelConfig"/>.</exception>
    public SimulatedKernel(KernelConfig? config = null, FrameChunkPool? chunks = null)
    {
        Config = config ?? KernelConfig.Default;
        Config.Validate();
        Memory = new PhysicalMemory(Config.MemoryBytes, chunks);
        Lru = new Lru(Memory, Faults);
        Memory.Lru = Lru;
        LruBatches = new LruBatches(Memory, Lru);
        Swap = Config.SwapBytes >= PageFrameSize ? new SwapArea(Memory, Config.SwapBytes) : null;
        Processes = new ProcessTable(this, Config.PidMax);
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

    /// <summary>The per-CPU folio batches (lazy-free, deactivate) waiting to reach the LRU lists.</summary>
    internal LruBatches LruBatches { get; }

    /// <summary>The swap device, or null without swap.</summary>
    internal SwapArea? Swap { get; }

    /// <summary>Processes.</summary>
    public ProcessTable Processes { get; }

    /// <summary>Event counters.</summary>
    public KernelStatistics Stats { get; } = new();

    /// <summary>Protects <see cref="_oopses"/>. Leaf lock (<see cref="LockClass.OopsLog"/>).</summary>
    private readonly KernelLock _oopsLock = new(LockClass.OopsLog);

    /// <summary>Every oops so far, in order. Protected by <see cref="_oopsLock"/>.</summary>
    private readonly List<KernelOops> _oopses = [];

    /// <summary>Oopses recorded so far (read without a lock).</summary>
    private int _oopsCount;

    /// <summary>Number of kernel oopses so far (<see cref="KernelOops"/>).</summary>
    public int OopsCount => Volatile.Read(ref _oopsCount);

    /// <summary>The oopses so far, oldest first.</summary>
    public IReadOnlyList<KernelOops> Oopses
    {
        get
        {
            using (_oopsLock.EnterScope())
            {
                return [.. _oopses];
            }
        }
    }

    /// <summary>Test hook: fault points inside system calls (<see cref="FaultInjector"/>).</summary>
    public FaultInjector Faults { get; } = new();

    /// <summary>Records an oops (the caller kills the task).</summary>
    internal void RecordOops(KernelOops oops)
    {
        using (_oopsLock.EnterScope())
        {
            _oopses.Add(oops);
            Volatile.Write(ref _oopsCount, _oopses.Count);
        }
    }

    /// <summary>Creates a process with an empty address space and <paramref name="cred"/> (default: root with every capability).</summary>
    /// <exception cref="InvalidOperationException">Every pid below <see cref="KernelConfig.PidMax"/> is in use.</exception>
    public TaskStruct CreateProcess(Credentials? cred = null)
    {
        var mm = new MmStruct(this);
        var task = Processes.Create(null, cred ?? Credentials.Root, mm, new FdTable());
        if (task is null)
        {
            mm.Put();
            throw new InvalidOperationException($"every pid below kernel.pid_max ({Config.PidMax}) is in use");
        }

        return task;
    }

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
    /// <exception cref="LockOrderException">With <see cref="Lockdep"/> enabled (test builds): a lock was taken out of order since the last report.</exception>
    public void Dispose()
    {
        // Frames waiting in a CPU's folio batch hold a reference until a drain: release them
        // with the rest (lru_add_drain_all()).
        LruBatches.DrainAll();
        Swap?.Dispose();
        Memory.Dispose();
        if (Lockdep.Enabled)
        {
            Lockdep.ThrowIfViolated();
        }
    }
}
