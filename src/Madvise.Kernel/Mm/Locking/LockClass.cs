namespace Madvise.Kernel.Mm.Locking;

/// <summary>
/// The classes of the kernel's locks, in the order they nest (the tree at the top of
/// <see cref="MmStruct"/>): a thread may take a lock only while every lock it holds has a lower
/// rank (the value divided by 100). The leaves share one rank: nothing is taken while one is held,
/// except <see cref="CpuMask"/>, the innermost, which a CPU's TLB lock may hold when the CPU
/// joins an mm's mask (SimCpu.SwitchMm).
/// <see cref="Lockdep"/> checks the order at run time in test builds.
/// </summary>
public enum LockClass
{
    /// <summary>TaskStruct's state lock: exit against fork, credentials.</summary>
    TaskState = 100,

    /// <summary>A task's descriptor table.</summary>
    FdTable = 200,

    /// <summary>An mm's mmap_lock (read or write).</summary>
    MmapLock = 300,

    /// <summary>A VMA's lock (per-VMA read lock; write marks wait for readers).</summary>
    VmaLock = 400,

    /// <summary>An inode's page cache (and its backing store).</summary>
    PageCache = 500,

    /// <summary>A PTE table's split page-table lock; two nest only in fork (the child's inside the parent's).</summary>
    PteLock = 600,

    /// <summary>Leaf: an anon_vma family's list of address spaces.</summary>
    AnonVmaFamily = 700,

    /// <summary>Leaf: an inode's list of mappings and its references (i_mmap).</summary>
    InodeMappings = 701,

    /// <summary>Leaf: the LRU lists.</summary>
    Lru = 702,

    /// <summary>Leaf: the swap device's counts, free list and swap cache.</summary>
    SwapMap = 703,

    /// <summary>Leaf: the frame allocator (zone lock).</summary>
    Zone = 704,

    /// <summary>Leaf: one CPU's TLB.</summary>
    Tlb = 705,

    /// <summary>Leaf: the registry of simulated CPUs.</summary>
    CpuRegistry = 706,

    /// <summary>Leaf: the process table.</summary>
    ProcessTable = 707,

    /// <summary>Leaf: the kernel's oops log.</summary>
    OopsLog = 708,

    /// <summary>Leaf: one CPU's folio batches in one kernel (cpu_fbatches; taken under a PTE lock, emptied before the LRU lock is taken).</summary>
    FolioBatch = 709,

    /// <summary>Innermost: an mm's CPU mask, when it grows (under a CPU's TLB lock).</summary>
    CpuMask = 800,
}
