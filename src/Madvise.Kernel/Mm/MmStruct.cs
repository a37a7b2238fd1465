using System.Runtime.CompilerServices;
using Madvise.Abi;
using Madvise.Kernel.Mm.Locking;
using Madvise.Kernel.Mm.PageTables;
using Madvise.Kernel.Mm.Physical;
using Madvise.Kernel.Mm.Tlb;
using Madvise.Kernel.Mm.Vmas;
using Madvise.Kernel.Tasks;

namespace Madvise.Kernel.Mm;

/// <summary>
/// A process address space (Linux: <c>struct mm_struct</c>): its VMAs, page table, mmap_lock,
/// counters and the CPUs that cache its translations.
/// </summary>
/// <remarks>
/// <para>Lock order (outermost first; a thread never takes a lock above one it holds). Each lock
/// has a <see cref="LockClass"/>, whose rank encodes this tree, and test builds check the order at
/// run time (<see cref="Lockdep"/>):</para>
/// <code>
///   TaskStruct._stateLock (per task)            — exit against fork, credentials
///     FdTable._lock (per descriptor table)       — open descriptors
///       MmapLock (per mm; read or write)         — the VMA tree and every VMA's bounds/flags
///         VmaLock (per VMA; read side without    — one VMA's contents while the mmap_lock is not held
///                  the mmap_lock in PerVmaLock)
///           PageCache.Lock (per inode)           — page cache, disk store and swapped-out shmem pages of a file
///             PteTable.Ptl (per 2 MiB of PTEs)   — those 512 PTEs and the PMD entry over them, huge or
///                                                  not (fork: the child's inside the parent's)
///               Lru._lruLock, SwapArea lock,     — leaf locks: frame lists, swap slots,
///               PhysicalMemory._zoneLock,          free frames,
///               SimCpu.TlbSpinlock (per CPU),      one CPU's TLB entries,
///               AnonVma family, Inode mappings,    reverse-map lists, file references,
///               ProcessTable, CPU registry,        tasks, CPUs,
///               SimulatedKernel oops log,          oopses,
///               CpuFolioBatches._lock (per CPU)    frames waiting for an LRU move (emptied before the LRU lock is taken)
///                 CpuMask._growLock              — an mm's CPU mask (grown under a TLB lock)
/// </code>
/// <para>The PTE lock and the leaf locks except the swap lock are <see cref="Spinlock"/>s (as
/// in Linux): never re-entered, never held while waiting for anything; the locks above them may
/// sleep. Take them with <c>using (x.EnterScope())</c>: C#'s <c>lock (x)</c> on a Spinlock would
/// compile to a Monitor on the object and exclude nothing — the fields were renamed (Ptl,
/// TlbSpinlock, _lruLock, _zoneLock) when they became spinlocks so that older code written
/// as <c>lock (table.Lock)</c> fails to compile instead.
/// A PTE may be read without its lock (<see cref="PteTable.Peek"/>, Linux's
/// ptep_get_lockless) to choose a path — the fault handler and the access path do — but is
/// re-read under the lock before anything is changed or copied through it. A new anonymous
/// frame is put on the LRU under the PTE lock, before its PTE is set: once the PTE is visible
/// a zap may free the frame, and freeing takes a frame off the LRU only if it is already on it.
/// A batch of frames freed together leaves the LRU under one LRU-lock acquisition
/// (<see cref="Lru.RemoveBatch"/>); the allocator's in-use counters change under its own lock.</para>
/// <para>Transparent huge pages (Mm/Huge): the PMD entry of a 2 MiB block lives in the
/// <see cref="PteTable"/> that its slot holds, so the table's lock is also the PMD lock
/// (pmd_lock()): a huge fault, a split, a zap of a huge entry and MADV_COLLAPSE's replacement of
/// 512 PTEs by one huge entry all happen under it, and every walker reads a table's entries or
/// its huge entry only under it. Splitting or collapsing a block flushes its translations with
/// the lock held (PTE lock → TLB lock, as a copy-on-write break does). MADV_COLLAPSE of shmem
/// unmaps the old pages and retracts other mappings' tables under the page cache lock (page cache
/// lock → PTE lock, as a hole punch does).</para>
/// <para>Every path that drops and re-takes the mmap_lock revalidates the VMA afterwards.
/// Frames' counts and flags are atomics and need no lock. A TLB shootdown
/// (<see cref="TlbGather.Flush"/>) runs with no page-table lock held, except the single-page
/// flush of a copy-on-write break, which holds that page's PTE lock (PTE lock → TLB lock).</para>
/// <para>Invariants (checked by <see cref="AssertInvariants"/>): VMAs are sorted, disjoint and
/// page-aligned, below <see cref="TaskSize"/>; no PTE exists outside a VMA; the RSS counters
/// equal the number of present PTEs of each kind (a huge entry counts 512); a huge entry lies
/// wholly inside one VMA over an empty table; locked_vm equals the pages of VM_LOCKED VMAs.</para>
/// </remarks>
public sealed partial class MmStruct
{
    private static long s_nextId;

    /// <summary>Tasks and remote users holding the address space (mm_users). Atomic.</summary>
    private int _users = 1;

    /// <summary>Incremented at every release of the mmap write lock (Linux: mm_lock_seq); VMA write locks compare with it.</summary>
    private long _writeSeq;

    /// <summary>Present PTEs mapping anonymous frames (MM_ANONPAGES). Atomic.</summary>
    private long _rssAnon;

    /// <summary>Present PTEs mapping regular-file page cache frames (MM_FILEPAGES). Atomic.</summary>
    private long _rssFile;

    /// <summary>Present PTEs mapping shmem page cache frames (MM_SHMEMPAGES). Atomic.</summary>
    private long _rssShmem;

    /// <summary>Present PTEs mapping the shared zero page (not part of RSS). Atomic.</summary>
    private long _zeroPageMaps;

    /// <summary>Pages of VM_LOCKED VMAs (locked_vm). Protected by the mmap write lock.</summary>
    private long _lockedVm;

    /// <summary>TLB gathers begun and not yet finished on this mm (Linux: tlb_flush_pending). Atomic.</summary>
    private int _tlbFlushPending;

    /// <summary>Incremented by every shootdown before it looks at the CPUs (Linux: mm->context.tlb_gen). Atomic.</summary>
    private long _tlbGeneration = 1;

    /// <summary>Environment.TickCount64 after which the next shootdown trims <see cref="CpuMask"/> (next_trim_cpumask). Atomic.</summary>
    private long _nextTrimCpuMask;

    internal MmStruct(SimulatedKernel kernel)
    {
        Kernel = kernel;
        Id = Interlocked.Increment(ref s_nextId);
        PageTable = new PageTable(kernel.Memory);
    }

    /// <summary>The kernel.</summary>
    public SimulatedKernel Kernel { get; }

    /// <summary>Unique identifier (tags TLB entries; never reused).</summary>
    public long Id { get; }

    /// <summary>The mmap_lock.</summary>
    public MmapLock MmapLock { get; } = new();

    /// <summary>The VMAs. Modified under the mmap write lock; <see cref="VmaTree{T}.Snapshot"/> may be searched with no lock.</summary>
    internal VmaTree<Vma> Vmas { get; } = new();

    /// <summary>The page table, in frames of the kernel's memory.</summary>
    internal PageTable PageTable { get; }

    /// <summary>CPUs that may cache translations of this mm.</summary>
    internal CpuMask CpuMask { get; } = new();

    /// <summary>First address user space cannot map (x86-64, 4-level paging).</summary>
    public ulong TaskSize => PageSize.TASK_SIZE;

    /// <summary>Top of the top-down mmap area: TASK_SIZE minus the minimum stack gap (128 MiB).</summary>
    public ulong MmapBase => PageSize.TASK_SIZE - (128UL << 20);

    /// <summary>The current write-lock sequence (mm_lock_seq).</summary>
    internal long WriteSequence => Volatile.Read(ref _writeSeq);

    /// <summary>Number of VMAs (map_count).</summary>
    public int MapCount => Vmas.Count;

    /// <summary>Resident pages: anonymous + file + shmem (get_mm_rss).</summary>
    public long Rss => Interlocked.Read(ref _rssAnon) + Interlocked.Read(ref _rssFile) + Interlocked.Read(ref _rssShmem);

    /// <summary>Resident anonymous pages.</summary>
    public long RssAnon => Interlocked.Read(ref _rssAnon);

    /// <summary>Resident file pages.</summary>
    public long RssFile => Interlocked.Read(ref _rssFile);

    /// <summary>Resident shmem pages.</summary>
    public long RssShmem => Interlocked.Read(ref _rssShmem);

    /// <summary>Pages of VM_LOCKED VMAs.</summary>
    public long LockedVm => Interlocked.Read(ref _lockedVm);

    /// <summary>True once the last user released the address space.</summary>
    public bool IsDead => Volatile.Read(ref _users) == 0;

    /// <summary>mmap_read_lock.</summary>
    public long ReadLock([CallerFilePath] string file = "", [CallerLineNumber] int line = 0) => MmapLock.AcquireRead(file, line);

    /// <summary>mmap_read_unlock.</summary>
    public void ReadUnlock(long token) => MmapLock.ReleaseRead(token);

    /// <summary>mmap_write_lock.</summary>
    public long WriteLock([CallerFilePath] string file = "", [CallerLineNumber] int line = 0) => MmapLock.AcquireWrite(file, line);

    /// <summary>mmap_write_lock_killable: 0, or -EINTR when <paramref name="signal"/> is raised while waiting.</summary>
    public int WriteLockKillable(FatalSignal? signal, out long token, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        MmapLock.AcquireWriteKillable(signal, out token, file, line);

    /// <summary>mmap_write_unlock: also releases every VMA write lock taken in this session.</summary>
    public void WriteUnlock(long token)
    {
        Interlocked.Increment(ref _writeSeq);
        MmapLock.ReleaseWrite(token);
    }

    /// <summary>mmget_not_zero: takes a user reference unless the mm is already being torn down.</summary>
    public bool TryGet()
    {
        var n = Volatile.Read(ref _users);
        while (n > 0)
        {
            var seen = Interlocked.CompareExchange(ref _users, n + 1, n);
            if (seen == n)
            {
                return true;
            }

            n = seen;
        }

        return false;
    }

    /// <summary>mmput: drops a user reference; the last one tears the address space down.</summary>
    public void Put()
    {
        var n = Interlocked.Decrement(ref _users);
        if (n == 0)
        {
            ExitMmap();
        }
        else if (n < 0)
        {
            throw new InvalidOperationException("mm released more often than taken");
        }
    }

    /// <summary>Adjusts an RSS counter for a frame mapped or unmapped by one PTE.</summary>
    internal void AddRss(int pfn, long delta)
    {
        if (pfn == PhysicalMemory.ZeroPfn)
        {
            Interlocked.Add(ref _zeroPageMaps, delta);
            return;
        }

        var flags = (PageFlags)Volatile.Read(ref Kernel.Memory.Frame(pfn).Flags);
        if ((flags & PageFlags.Anon) != 0)
        {
            Interlocked.Add(ref _rssAnon, delta);
        }
        else if ((flags & PageFlags.Shmem) != 0)
        {
            Interlocked.Add(ref _rssShmem, delta);
        }
        else
        {
            Interlocked.Add(ref _rssFile, delta);
        }
    }

    /// <summary>inc_tlb_flush_pending(): a gather on this mm has begun.</summary>
    internal void IncTlbFlushPending() => Interlocked.Increment(ref _tlbFlushPending);

    /// <summary>dec_tlb_flush_pending(): a gather on this mm has flushed and finished.</summary>
    internal void DecTlbFlushPending() => Interlocked.Decrement(ref _tlbFlushPending);

    /// <summary>mm_tlb_flush_nested(): another gather on this mm is in progress besides the caller's.</summary>
    internal bool TlbFlushNested => Volatile.Read(ref _tlbFlushPending) > 1;

    /// <summary>Adjusts locked_vm. Precondition: the mmap write lock is held.</summary>
    internal void AddLockedVm(long pages) => Interlocked.Add(ref _lockedVm, pages);

    /// <summary>The TLB generation: how many shootdowns of this mm have begun (tlb_gen).</summary>
    internal long TlbGeneration => Interlocked.Read(ref _tlbGeneration);

    /// <summary>inc_mm_tlb_gen(): a shootdown begins; a full barrier, ordered before its reads of the CPUs' state.</summary>
    internal long IncTlbGeneration() => Interlocked.Increment(ref _tlbGeneration);

    /// <summary>should_trim_cpumask(): true for the first shootdown after each <paramref name="intervalMilliseconds"/>.</summary>
    internal bool ShouldTrimCpuMask(long intervalMilliseconds)
    {
        var now = Environment.TickCount64;
        var next = Interlocked.Read(ref _nextTrimCpuMask);
        return now > next && Interlocked.CompareExchange(ref _nextTrimCpuMask, now + intervalMilliseconds, next) == next;
    }

    public override string ToString() => $"mm {Id}";
}
