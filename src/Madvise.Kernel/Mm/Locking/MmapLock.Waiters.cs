using System.Diagnostics;
using Madvise.Abi;
using Madvise.Kernel.Tasks;

namespace Madvise.Kernel.Mm.Locking;

// The slow paths: the FIFO wait queue, hand-off to waiters, killable waits.
// Linux: kernel/locking/rwsem.c rwsem_down_read_slowpath(), rwsem_down_write_slowpath(),
// rwsem_mark_wake(), rwsem_del_wake_waiter().
public sealed partial class MmapLock
{
    /// <summary>Most readers one wake-up grants the lock to (Linux: MAX_READERS_WAKEUP).</summary>
    internal const int MaxReadersPerWakeup = 256;

    /// <summary>
    /// Protects the wait queue (_queueHead, _queueTail, _queueLength, the waiters' Next/Prev/Queued
    /// links), changes of the Waiters bit, grants, and the contended/interrupted counters.
    /// Innermost: nothing else is taken while it is held.
    /// </summary>
    private readonly Lock _queueLock = new();

    /// <summary>Oldest waiter, served first; protected by _queueLock.</summary>
    private MmapLockWaiter? _queueHead;

    /// <summary>Newest waiter; protected by _queueLock.</summary>
    private MmapLockWaiter? _queueTail;

    /// <summary>Number of queued waiters; written under _queueLock, read anywhere (tests, statistics).</summary>
    private int _queueLength;

    /// <summary>
    /// Slow path of every blocking acquisition: retries briefly without queueing, then queues and
    /// sleeps until granted — or, with a <paramref name="signal"/>, until it is raised.
    /// </summary>
    /// <returns>0 with the lock held (write acquisitions are counted by the caller), or -EINTR.</returns>
    private int AcquireSlow(bool write, FatalSignal? signal)
    {
        // Racing readers make a reader's compare-exchange fail without anybody being in the way; retry
        // those before deciding to sleep.
        long s = Volatile.Read(ref _state);
        while (IsFreeFor(s, write) && (s & WaitersBit) == 0)
        {
            long seen = Interlocked.CompareExchange(ref _state, s + AcquireDelta(write), s);
            if (seen == s)
            {
                return 0;
            }

            s = seen;
        }

        long start = Stopwatch.GetTimestamp();
        MmapLockWaiter waiter = MmapLockWaiter.ForCurrentThread();
        waiter.Prepare(write);
        bool registered = signal is not null && signal.TryRegister(waiter);
        bool alreadyKilled = signal is not null && !registered;

        bool acquired = false;
        bool interrupted = false;
        lock (_queueLock)
        {
            while (true)
            {
                s = Volatile.Read(ref _state);
                if (_queueHead is null && IsFreeFor(s, write))
                {
                    // Free and nobody queued: take it now, even with a signal pending (Linux's
                    // sleep path checks the signal only before it would sleep).
                    if (Interlocked.CompareExchange(ref _state, s + AcquireDelta(write), s) == s)
                    {
                        acquired = true;
                        break;
                    }

                    continue;
                }

                if (alreadyKilled)
                {
                    CountInterruptedLocked(write);
                    interrupted = true;
                    break;
                }

                // Setting Waiters (or finding it set: queue non-empty) in the same compare-exchange
                // that observed the lock taken is what makes every later release see us.
                if (_queueHead is null && Interlocked.CompareExchange(ref _state, s | WaitersBit, s) != s)
                {
                    continue;
                }

                EnqueueLocked(waiter);
                break;
            }
        }

        if (acquired)
        {
            if (registered)
            {
                signal!.Unregister(waiter);
            }

            return 0;
        }

        if (interrupted)
        {
            return -Errno.EINTR;
        }

        int result = WaitForGrant(waiter, registered ? signal : null);
        if (registered)
        {
            signal!.Unregister(waiter);
        }

        if (result == 0)
        {
            RecordWait(write, start, Stopwatch.GetTimestamp());
        }

        return result;
    }

    /// <summary>Sleeps until the waiter is granted, or its fatal signal is raised first.</summary>
    private int WaitForGrant(MmapLockWaiter waiter, FatalSignal? signal)
    {
        while (!waiter.IsGranted)
        {
            if (signal is not null && signal.IsPending)
            {
                return CancelWait(waiter);
            }

            waiter.Block();
        }

        return 0;
    }

    /// <summary>
    /// A killed waiter leaves the queue (Linux: rwsem_del_wake_waiter) and wakes whoever can run
    /// without it — e.g. readers queued behind a killed writer while the lock is read-held. If a
    /// granter got to it first the waiter owns the lock and keeps it (the grant wins, as in Linux).
    /// </summary>
    private int CancelWait(MmapLockWaiter waiter)
    {
        MmapLockWaiter? wake = null;
        bool removed;
        lock (_queueLock)
        {
            removed = waiter.Queued;
            if (removed)
            {
                RemoveLocked(waiter);
                CountInterruptedLocked(waiter.IsWriter);
                if (_queueHead is null)
                {
                    Interlocked.Add(ref _state, -WaitersBit);
                }
                else
                {
                    wake = GrantLocked();
                }
            }
        }

        if (removed)
        {
            WakeGranted(wake);
            return -Errno.EINTR;
        }

        // Granted under the queue lock but not yet published: the granter still reads our WakeNext,
        // so wait for its PublishGrant (a few instructions away) before returning.
        while (!waiter.IsGranted)
        {
            waiter.Block();
        }

        return 0;
    }

    /// <summary>A last reader left while waiters queue: grant the lock to the queue head.</summary>
    private void ReleaseSlow()
    {
        MmapLockWaiter? wake;
        lock (_queueLock)
        {
            wake = GrantLocked();
        }

        WakeGranted(wake);
    }

    /// <summary>The writer leaves while waiters queue: free the lock and grant it in one critical section.</summary>
    private void ReleaseWriteSlow()
    {
        MmapLockWaiter? wake;
        lock (_queueLock)
        {
            // Waiters is set, so no fast path can take the lock between this and the grant.
            Interlocked.Add(ref _state, -WriterBit);
            wake = GrantLocked();
        }

        WakeGranted(wake);
    }

    /// <summary>
    /// Grants the lock to the queue head if it can run now: a writer when the lock is free, or —
    /// when the head is a reader and no writer holds the lock — every queued reader, up to
    /// <see cref="MaxReadersPerWakeup"/>, skipping the writers between them (Linux: rwsem_mark_wake).
    /// Updates the state for the granted waiters and clears Waiters if the queue empties.
    /// Precondition: _queueLock is held.
    /// </summary>
    /// <returns>The granted waiters, linked through WakeNext in queue order, for <see cref="WakeGranted"/>.</returns>
    private MmapLockWaiter? GrantLocked()
    {
        MmapLockWaiter? head = _queueHead;
        if (head is null)
        {
            return null;
        }

        // Only releases can change the state under us: Waiters is set, so nobody else acquires, and
        // readers leaving only lower the reader count.
        long s = Volatile.Read(ref _state);
        if ((s & WriterBit) != 0)
        {
            return null;
        }

        long delta;
        if (head.IsWriter)
        {
            if ((s & ReaderMask) != 0)
            {
                return null;
            }

            RemoveLocked(head);
            head.WakeNext = null;
            _contendedWrites++;
            delta = WriterBit;
        }
        else
        {
            MmapLockWaiter? first = null;
            MmapLockWaiter? last = null;
            int granted = 0;
            for (MmapLockWaiter? w = head; w is not null && granted < MaxReadersPerWakeup;)
            {
                MmapLockWaiter? next = w.Next;
                if (!w.IsWriter)
                {
                    RemoveLocked(w);
                    w.WakeNext = null;
                    if (last is null)
                    {
                        first = w;
                    }
                    else
                    {
                        last.WakeNext = w;
                    }

                    last = w;
                    granted++;
                }

                w = next;
            }

            if (((s & ReaderMask) >> ReaderShift) + granted > MaxReaders)
            {
                throw new InvalidOperationException("mmap_lock reader count overflow: a read lock was leaked.");
            }

            _contendedReads += granted;
            delta = granted * ReadAcquireDelta;
            head = first;
        }

        if (_queueHead is null)
        {
            delta -= WaitersBit;
        }

        Interlocked.Add(ref _state, delta);
        return head;
    }

    /// <summary>Publishes grants made under the queue lock; called after dropping it.</summary>
    private static void WakeGranted(MmapLockWaiter? w)
    {
        while (w is not null)
        {
            // Read the link first: once published, the owner may reuse the waiter at once.
            MmapLockWaiter? next = w.WakeNext;
            w.WakeNext = null;
            w.PublishGrant();
            w = next;
        }
    }

    /// <summary>Appends a waiter to the queue. Precondition: _queueLock is held.</summary>
    private void EnqueueLocked(MmapLockWaiter waiter)
    {
        waiter.Next = null;
        waiter.Prev = _queueTail;
        if (_queueTail is null)
        {
            _queueHead = waiter;
        }
        else
        {
            _queueTail.Next = waiter;
        }

        _queueTail = waiter;
        waiter.Queued = true;
        Volatile.Write(ref _queueLength, _queueLength + 1);
    }

    /// <summary>Unlinks a queued waiter. Precondition: _queueLock is held.</summary>
    private void RemoveLocked(MmapLockWaiter waiter)
    {
        Debug.Assert(waiter.Queued, "only queued waiters can be removed");
        if (waiter.Prev is null)
        {
            _queueHead = waiter.Next;
        }
        else
        {
            waiter.Prev.Next = waiter.Next;
        }

        if (waiter.Next is null)
        {
            _queueTail = waiter.Prev;
        }
        else
        {
            waiter.Next.Prev = waiter.Prev;
        }

        waiter.Next = null;
        waiter.Prev = null;
        waiter.Queued = false;
        Volatile.Write(ref _queueLength, _queueLength - 1);
    }

    /// <summary>
    /// Whether the observed state lets one more holder of the given mode in, ignoring the queue.
    /// Throws on a reader-count overflow (a leaked read lock) rather than corrupting the counter.
    /// </summary>
    private static bool IsFreeFor(long s, bool write)
    {
        if (write)
        {
            return (s & (WriterBit | ReaderMask)) == 0;
        }

        if ((s & ReaderGuardBit) != 0)
        {
            throw new InvalidOperationException("mmap_lock reader count overflow: a read lock was leaked.");
        }

        return (s & WriterBit) == 0;
    }

    /// <summary>What one acquisition of the given mode adds to the state.</summary>
    private static long AcquireDelta(bool write) => write ? WriterBit : ReadAcquireDelta;
}
