namespace Madvise.Kernel.Tasks;

/// <summary>
/// The "fatal signal pending" state of one simulated task (Linux: SIGKILL queued, tested by
/// fatal_signal_pending()). Killable waits — mmap_write_lock_killable() and friends — give up with
/// -EINTR when it is raised, whether it was raised before or during the wait.
/// </summary>
/// <remarks>
/// Every thread of the task that is blocked in a killable wait is registered here (several threads
/// of one task may wait at once, each on a different lock), so <see cref="Raise"/> can wake each of
/// them. Why a raise cannot be missed: <see cref="Raise"/> sets <see cref="IsPending"/> before it
/// takes the registry lock, and <see cref="TryRegister"/> tests it under that lock. Either the
/// registration comes first (then Raise finds and wakes the waiter) or Raise's walk comes first (then
/// the pending flag, stored before the walk, is visible to TryRegister, which refuses).
/// Lock order: the registry lock is taken before a waiter's own wake-up primitive and never while a
/// lock's internal wait-queue lock is held.
/// </remarks>
public sealed class FatalSignal
{
    /// <summary>
    /// Protects the registered-waiter list (_waiters and the waiters' Signal* links). Order: taken
    /// before a waiter's own event (Raise sets it under this lock); never while a lock's wait-queue
    /// lock is held, and no wait-queue lock is taken under it.
    /// </summary>
    private readonly Lock _registryLock = new();

    /// <summary>Head of the intrusive list of waiters blocked in a killable wait; protected by _registryLock.</summary>
    private KillableWaiter? _waiters;

    /// <summary>Whether a fatal signal is pending; written without the lock, read anywhere.</summary>
    private volatile bool _pending;

    /// <summary>True while a fatal signal is pending for the task.</summary>
    public bool IsPending => _pending;

    /// <summary>
    /// Makes a fatal signal pending and wakes every thread of the task that is blocked in a killable
    /// wait; each of them returns -EINTR unless it was granted what it waited for first.
    /// </summary>
    public void Raise()
    {
        _pending = true;
        lock (_registryLock)
        {
            for (KillableWaiter? w = _waiters; w is not null; w = w.SignalNext)
            {
                w.WakeForFatalSignal();
            }
        }
    }

    /// <summary>Clears the pending state (the signal was handled, or the test reuses the task).</summary>
    public void Clear() => _pending = false;

    /// <summary>
    /// Registers a waiter that is about to block killably. Returns false, without registering, when
    /// the signal is already pending: the caller must not sleep.
    /// </summary>
    internal bool TryRegister(KillableWaiter waiter)
    {
        lock (_registryLock)
        {
            if (_pending)
            {
                return false;
            }

            if (waiter.RegisteredWith is not null)
            {
                throw new InvalidOperationException("A killable waiter can wait for one thing at a time.");
            }

            waiter.RegisteredWith = this;
            waiter.SignalPrev = null;
            waiter.SignalNext = _waiters;
            if (_waiters is not null)
            {
                _waiters.SignalPrev = waiter;
            }

            _waiters = waiter;
            return true;
        }
    }

    /// <summary>
    /// Removes a registered waiter. After this returns, <see cref="Raise"/> no longer touches it.
    /// </summary>
    internal void Unregister(KillableWaiter waiter)
    {
        lock (_registryLock)
        {
            if (!ReferenceEquals(waiter.RegisteredWith, this))
            {
                throw new InvalidOperationException("The waiter is not registered with this fatal signal.");
            }

            if (waiter.SignalPrev is null)
            {
                _waiters = waiter.SignalNext;
            }
            else
            {
                waiter.SignalPrev.SignalNext = waiter.SignalNext;
            }

            if (waiter.SignalNext is not null)
            {
                waiter.SignalNext.SignalPrev = waiter.SignalPrev;
            }

            waiter.SignalNext = null;
            waiter.SignalPrev = null;
            waiter.RegisteredWith = null;
        }
    }

    /// <summary>Number of currently registered waiters (tests wait for a thread to be asleep).</summary>
    internal int RegisteredWaiterCount
    {
        get
        {
            lock (_registryLock)
            {
                int n = 0;
                for (KillableWaiter? w = _waiters; w is not null; w = w.SignalNext)
                {
                    n++;
                }

                return n;
            }
        }
    }
}
