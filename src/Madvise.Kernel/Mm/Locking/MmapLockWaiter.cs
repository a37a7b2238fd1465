using Madvise.Kernel.Tasks;

namespace Madvise.Kernel.Mm.Locking;

/// <summary>
/// One thread's entry in an <see cref="MmapLock"/> wait queue (Linux: struct rwsem_waiter, which
/// lives on the sleeping task's stack). A thread blocks on at most one lock at a time, so one waiter
/// per thread is reused for every wait and the slow path allocates nothing after the first.
/// </summary>
/// <remarks>
/// Life of a wait: the owner calls <see cref="Prepare"/>, the lock links the waiter into its queue
/// (under the queue lock), a granter unlinks it and updates the lock state for it (under the queue
/// lock), then — after dropping the queue lock — calls <see cref="PublishGrant"/>. Until
/// <see cref="IsGranted"/> turns true the granter may still use <see cref="WakeNext"/>, so the owner
/// must not reuse the waiter before that. A <see cref="ManualResetEventSlim.Set"/> may arrive late
/// (after the owner moved on to its next wait); every wait loop therefore treats a wake-up only as a
/// hint and re-checks <see cref="IsGranted"/> and its fatal signal.
/// </remarks>
internal sealed class MmapLockWaiter : KillableWaiter
{
    /// <summary>
    /// Spins of the event before it blocks: none. Measured with MmapLockContendedBenchmarks (two
    /// threads, ~1 µs sections, on a loaded 2-core VM): spin counts 35, 200 and 1000 were no faster
    /// than 0 (3-10 µs per hand-off either way, dominated by waking the grantee), and spinning
    /// burns a core the holder may need. Ownership is handed off, so a spinning waiter gains only
    /// the wake-up latency, never the lock itself.
    /// </summary>
    private const int EventSpinCount = 0;

    /// <summary>This thread's waiter, created on its first contended acquisition.</summary>
    [ThreadStatic]
    private static MmapLockWaiter? t_current;

    /// <summary>The wake-up primitive: set by a grant or a fatal signal; reset only by the owner.</summary>
    private readonly ManualResetEventSlim _event = new(false, EventSpinCount);

    /// <summary>True once the granter is done with this waiter and the owner holds the lock.</summary>
    private volatile bool _granted;

    /// <summary>Next waiter in the queue (towards the tail); protected by the lock's queue lock.</summary>
    internal MmapLockWaiter? Next;

    /// <summary>Previous waiter in the queue (towards the head); protected by the lock's queue lock.</summary>
    internal MmapLockWaiter? Prev;

    /// <summary>Whether the waiter is linked into a queue; protected by the lock's queue lock.</summary>
    internal bool Queued;

    /// <summary>Whether the waiter wants the lock for writing; set by the owner before queueing.</summary>
    internal bool IsWriter;

    /// <summary>
    /// Link in a granter's private wake list: written under the queue lock when the waiter is granted,
    /// read by the same granter after it drops the queue lock, before <see cref="PublishGrant"/>.
    /// </summary>
    internal MmapLockWaiter? WakeNext;

    /// <summary>This thread's reusable waiter.</summary>
    internal static MmapLockWaiter ForCurrentThread() => t_current ??= new MmapLockWaiter();

    /// <summary>True once the lock was handed to this waiter and the granter let go of it.</summary>
    internal bool IsGranted => _granted;

    /// <summary>Readies the waiter for a new wait; the owner calls it before queueing or registering.</summary>
    internal void Prepare(bool writer)
    {
        IsWriter = writer;
        _granted = false;
        _event.Reset();
    }

    /// <summary>Called by the granter, outside the queue lock, as its last use of this waiter.</summary>
    internal void PublishGrant()
    {
        _granted = true;

        // The owner may already have seen _granted and moved on; a late Set is a spurious wake-up
        // its next wait tolerates.
        _event.Set();
    }

    /// <inheritdoc/>
    internal override void WakeForFatalSignal() => _event.Set();

    /// <summary>
    /// Blocks until the event is set, then clears it unless the wait is over, so the next block
    /// sleeps again; the caller re-checks <see cref="IsGranted"/> and its signal afterwards.
    /// </summary>
    internal void Block()
    {
        _event.Wait();
        if (!_granted)
        {
            // A grant published between the test and the reset re-sets the flag first, and the
            // caller's next test of IsGranted sees it; a fatal signal is re-tested by the caller.
            _event.Reset();
        }
    }
}
