using Madvise.Kernel.Mm;
using Madvise.Kernel.Mm.Tlb;
using Madvise.Kernel.Mm.Vmas;
using Madvise.Kernel.Tasks;

namespace Madvise.Kernel.Advice;

/// <summary>
/// The state of one madvise() call or one process_madvise() vector (Linux:
/// <c>struct madvise_behavior</c>): target mm, behaviour, the lock currently held, the TLB
/// batch, and the range and VMA being worked on.
/// </summary>
/// <remarks>One instance per thread is reused (<see cref="Rent"/>) so a call does not allocate.</remarks>
internal sealed class MadviseBehavior
{
    [ThreadStatic]
    private static MadviseBehavior? t_pool;

    /// <summary>The address space advised.</summary>
    public MmStruct Mm { get; private set; } = null!;

    /// <summary>The calling task ("current"): its credentials and signals count, not the target's.</summary>
    public TaskStruct Current { get; private set; } = null!;

    /// <summary>The MADV_* value.</summary>
    public MemoryAdvice Behavior { get; private set; }

    /// <summary>The lock held now.</summary>
    public MadviseLockMode LockMode { get; set; }

    /// <summary>Token of the mmap_lock acquisition (hold-time statistics).</summary>
    public long LockToken { get; set; }

    /// <summary>The TLB batch shared by the whole call (profiles with batched flushing), else null.</summary>
    public TlbGather? Tlb { get; set; }

    /// <summary>Start of the range being worked on (moves through the walk).</summary>
    public ulong Start { get; set; }

    /// <summary>End of the range being worked on.</summary>
    public ulong End { get; set; }

    /// <summary>The VMA being worked on.</summary>
    public Vma? Vma { get; set; }

    /// <summary>The behaviour dropped and re-took the mmap_lock: VMA pointers are stale.</summary>
    public bool LockDropped { get; set; }

    /// <summary>The kernel's profile.</summary>
    public KernelProfile Profile => Mm.Kernel.Profile;

    /// <summary>True when the target is not the caller's own address space.</summary>
    public bool IsRemote => !ReferenceEquals(Current.Mm, Mm);

    /// <summary>True between <see cref="Rent"/> and <see cref="Return"/>.</summary>
    private bool _inUse;

    /// <summary>Takes the calling thread's instance, initialised for one call.</summary>
    /// <remarks>The instance stays in the thread-local slot while in use (one thread-local read per
    /// call instead of three accesses); a nested rent gets a new instance.</remarks>
    public static MadviseBehavior Rent(MmStruct mm, TaskStruct current, MemoryAdvice behavior)
    {
        var b = t_pool;
        if (b is null || b._inUse)
        {
            b = new MadviseBehavior();
            if (t_pool is null)
            {
                t_pool = b;
            }
        }

        b._inUse = true;
        b.Mm = mm;
        b.Current = current;
        b.Behavior = behavior;
        b.LockMode = MadviseLockMode.None;
        b.LockToken = 0;
        b.Tlb = null;
        b.Start = b.End = 0;
        b.Vma = null;
        b.LockDropped = false;
        return b;
    }

    /// <summary>Returns the instance to the calling thread.</summary>
    public static void Return(MadviseBehavior b)
    {
        b.Mm = null!;
        b.Current = null!;
        b.Vma = null;
        b._inUse = false;
    }
}
