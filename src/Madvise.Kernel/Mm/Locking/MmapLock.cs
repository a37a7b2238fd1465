using System.Diagnostics;
using System.Runtime.CompilerServices;
using Madvise.Abi;
using Madvise.Kernel.Tasks;

namespace Madvise.Kernel.Mm.Locking;

/// <summary>
/// The mmap_lock of a simulated mm: a reader/writer semaphore with Linux's rw_semaphore behaviour —
/// many readers or one writer, a FIFO wait queue that batches readers, no writer starvation, killable
/// acquisition — plus acquisition counters and wait/hold-time histograms.
/// </summary>
/// <remarks>
/// <para>Linux: kernel/locking/rwsem.c, include/linux/mmap_lock.h (read for semantics only).</para>
///
/// <para><b>State word.</b> Everything the fast paths need is one 64-bit word, <c>_state</c>:</para>
/// <code>
///   bit  0       Writer   held for writing
///   bit  1       Waiters  the wait queue is non-empty (changed only under the queue lock)
///   bits 2..23   readers  number of read holders (22 bits; the fast path refuses from 2^21 on,
///                         and the slow path throws, so a leaked read lock cannot overflow)
///   bits 24..63  reads    read acquisitions, a 40-bit counter that wraps (statistics only)
/// </code>
/// <para>A read acquisition adds <c>ReaderUnit + ReadCountUnit</c> in the same compare-exchange that
/// takes the lock, so counting reads costs no extra atomic. Write acquisitions are counted by the
/// writer after it holds the lock exclusively (a plain increment); contended and interrupted
/// acquisitions are counted under the queue lock in the slow path.</para>
///
/// <para><b>Invariants</b> (whenever the queue lock is not held):</para>
/// <list type="bullet">
///   <item>Writer set ⇒ reader count 0.</item>
///   <item>Waiters set ⇔ the queue is non-empty.</item>
///   <item>Fast paths succeed only while Waiters is clear: once anybody waits, every newcomer queues
///     behind (FIFO, no barging), and the lock reaches waiters only by hand-off: whoever frees it
///     while Waiters is set grants it, under the queue lock, to the queue head — a writer, or every
///     queued reader up to 256 (Linux's MAX_READERS_WAKEUP), writers between them keeping their
///     place. The granter updates the state for the waiter; the waiter owns the lock from then on.</item>
///   <item>The queue is non-empty while the lock is free only between a release that saw Waiters and
///     that releaser's grant.</item>
/// </list>
///
/// <para><b>Lock order.</b> This lock ranks first in the mm (mmap_lock → VMA lock → page-table lock →
/// frame/LRU locks). Internally: <see cref="FatalSignal"/>'s registry lock → a waiter's event. The
/// queue lock <c>_queueLock</c> is innermost: nothing else is taken while it is held — granted
/// waiters are collected on a private list and woken after it is dropped (Linux's wake_q).</para>
///
/// <para><b>Why a wake-up cannot be lost.</b> The classic race is a releaser that tests "any waiters?"
/// just before a waiter enqueues, then sees none and leaves the waiter asleep forever. Here a waiter
/// publishes itself with a compare-exchange on the state word, under the queue lock, that either
/// takes the lock (if it is free for it and nobody queues) or sets Waiters, based on the same
/// observed value. Releases are atomic operations on the same word, so each release is ordered
/// either before that compare-exchange (then the waiter saw the lock free and took it) or after it
/// (then the release sees Waiters and goes to the slow path, which takes the queue lock — after the
/// waiter is linked in — and grants). A writer releases with a compare-exchange that succeeds only
/// while Waiters is clear; a reader's release returns the new value and checks it.</para>
///
/// <para><b>Differences from Linux</b> (none observable through madvise results): no optimistic
/// spinning on the owner (a contended acquisition retries its compare-exchange only while the lock
/// is free and nobody queues, then sleeps), no reader lock stealing and so no hand-off bit —
/// waiters are served strictly FIFO, which is the behaviour Linux's hand-off converges to after
/// 4 ms. The price is a lock convoy under sustained contention: every acquisition that finds a
/// queue pays a thread wake-up (a few µs), where Linux lets running tasks spin or steal. Like Linux,
/// read holders are not tracked per thread, so <see cref="AssertLocked"/> checks that the lock is
/// held, not by whom.</para>
/// </remarks>
public sealed partial class MmapLock
{
    /// <summary>State bit: held for writing.</summary>
    private const long WriterBit = 1L << 0;

    /// <summary>State bit: the wait queue is non-empty.</summary>
    private const long WaitersBit = 1L << 1;

    /// <summary>Position of the reader count in the state word.</summary>
    private const int ReaderShift = 2;

    /// <summary>One reader.</summary>
    private const long ReaderUnit = 1L << ReaderShift;

    /// <summary>The reader-count field.</summary>
    private const long ReaderMask = ((1L << 22) - 1) << ReaderShift;

    /// <summary>Top bit of the reader field: the fast path refuses once the count reaches it.</summary>
    private const long ReaderGuardBit = 1L << 23;

    /// <summary>Most readers allowed at once (2^21 - 1); more means a leaked read lock.</summary>
    private const long MaxReaders = (ReaderGuardBit >> ReaderShift) - 1;

    /// <summary>Position of the read-acquisition counter in the state word.</summary>
    private const int ReadCountShift = 24;

    /// <summary>One read acquisition.</summary>
    private const long ReadCountUnit = 1L << ReadCountShift;

    /// <summary>Everything but the read-acquisition counter: zero means free with nobody waiting.</summary>
    private const long LockMask = ReadCountUnit - 1;

    /// <summary>State added by one read acquisition: a reader and a count.</summary>
    private const long ReadAcquireDelta = ReaderUnit + ReadCountUnit;

    /// <summary>Any of these bits sends a reader to the slow path.</summary>
    private const long ReadFastPathFailMask = WriterBit | WaitersBit | ReaderGuardBit;

    /// <summary>
    /// The lock state (layout in the class remarks). Changed only by interlocked operations; the
    /// Waiters bit only under <c>_queueLock</c>.
    /// </summary>
    private long _state;

    /// <summary>Whether acquisitions return a timestamp token so releases record hold times.</summary>
    private volatile bool _recordHoldTimes;

    /// <summary>Whether <see cref="Lockdep"/> checks this lock (it does for every kernel's).</summary>
    private readonly bool _lockdep;

    /// <summary>Creates a free lock, checked by <see cref="Lockdep"/> when it runs.</summary>
    public MmapLock()
        : this(lockdep: true)
    {
    }

    /// <summary>
    /// Creates a free lock; with <paramref name="lockdep"/> false the validator ignores it. Only
    /// for tests of the lock's own semantics, which take it recursively on one thread on purpose
    /// (a read under a read, a killable write under a read with a signal pending): in kernel code
    /// that is a deadlock the validator rightly refuses.
    /// </summary>
    internal MmapLock(bool lockdep) => _lockdep = lockdep;

    /// <summary>True while the lock is held for writing.</summary>
    public bool IsWriteLocked => (Volatile.Read(ref _state) & WriterBit) != 0;

    /// <summary>Number of current read holders.</summary>
    public int ReaderCount => (int)((Volatile.Read(ref _state) & ReaderMask) >> ReaderShift);

    /// <summary>
    /// Whether acquisitions take a timestamp (returned as the token) and releases record the hold
    /// time. Off by default: it costs two clock reads per acquire/release pair. Tokens of
    /// acquisitions made while it was off are 0 and record nothing.
    /// </summary>
    public bool RecordHoldTimes
    {
        get => _recordHoldTimes;
        set => _recordHoldTimes = value;
    }

    /// <summary>Takes the lock for reading, sleeping uninterruptibly if needed (Linux: mmap_read_lock).</summary>
    /// <returns>The token to pass to <see cref="ReleaseRead"/>.</returns>
    public long AcquireRead([CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        if (Lockdep.Enabled && _lockdep)
        {
            Lockdep.Acquire(LockClass.MmapLock, this, trylock: false, nested: false, file, line);
        }

        long s = Volatile.Read(ref _state);
        if ((s & ReadFastPathFailMask) != 0 || Interlocked.CompareExchange(ref _state, s + ReadAcquireDelta, s) != s)
        {
            AcquireSlow(write: false, signal: null);
        }

        return HoldStart();
    }

    /// <summary>Takes the lock for reading if that needs no waiting (Linux: mmap_read_trylock).</summary>
    /// <remarks>Fails while anybody waits, as down_read_trylock does, so it cannot overtake a queued writer.</remarks>
    public bool TryAcquireRead(out long token, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        long s = Volatile.Read(ref _state);
        while ((s & ReadFastPathFailMask) == 0)
        {
            long seen = Interlocked.CompareExchange(ref _state, s + ReadAcquireDelta, s);
            if (seen == s)
            {
                if (Lockdep.Enabled && _lockdep)
                {
                    Lockdep.Acquire(LockClass.MmapLock, this, trylock: true, nested: false, file, line);
                }

                token = HoldStart();
                return true;
            }

            s = seen;
        }

        token = 0;
        return false;
    }

    /// <summary>
    /// Takes the lock for reading, giving up with -EINTR if <paramref name="signal"/> is or becomes
    /// pending while it would have to wait (Linux: mmap_read_lock_killable).
    /// </summary>
    /// <returns>0 with the lock held and <paramref name="token"/> set, or -EINTR with nothing held.</returns>
    public int AcquireReadKillable(FatalSignal? signal, out long token, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        if (Lockdep.Enabled && _lockdep)
        {
            Lockdep.Acquire(LockClass.MmapLock, this, trylock: false, nested: false, file, line);
        }

        long s = Volatile.Read(ref _state);
        if ((s & ReadFastPathFailMask) != 0 || Interlocked.CompareExchange(ref _state, s + ReadAcquireDelta, s) != s)
        {
            int error = AcquireSlow(write: false, signal);
            if (error != 0)
            {
                if (Lockdep.Enabled && _lockdep)
                {
                    Lockdep.Release(this);
                }

                token = 0;
                return error;
            }
        }

        token = HoldStart();
        return 0;
    }

    /// <summary>Releases a read hold (Linux: mmap_read_unlock).</summary>
    /// <param name="token">What the acquisition returned.</param>
    public void ReleaseRead(long token)
    {
        if (Lockdep.Enabled && _lockdep)
        {
            Lockdep.Release(this);
        }

        long end = token != 0 ? Stopwatch.GetTimestamp() : 0;
        long s = Interlocked.Add(ref _state, -ReaderUnit);
        if ((s & (ReaderMask | WaitersBit)) == WaitersBit)
        {
            // Last reader out with waiters queued: the lock is free but closed to newcomers (the
            // fast paths refuse while Waiters is set), so hand it to the queue head.
            ReleaseSlow();
        }
        else if ((s & ReaderMask) == ReaderMask)
        {
            Interlocked.Add(ref _state, ReaderUnit);
            throw new InvalidOperationException("mmap_lock released for reading but no reader holds it.");
        }

        if (token != 0)
        {
            RecordHold(write: false, token, end);
        }
    }

    /// <summary>Takes the lock for writing, sleeping uninterruptibly if needed (Linux: mmap_write_lock).</summary>
    /// <returns>The token to pass to <see cref="ReleaseWrite"/>.</returns>
    public long AcquireWrite([CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        if (Lockdep.Enabled && _lockdep)
        {
            Lockdep.Acquire(LockClass.MmapLock, this, trylock: false, nested: false, file, line);
        }

        long s = Volatile.Read(ref _state);
        if ((s & LockMask) != 0 || Interlocked.CompareExchange(ref _state, s | WriterBit, s) != s)
        {
            AcquireSlow(write: true, signal: null);
        }

        return WriteAcquired();
    }

    /// <summary>Takes the lock for writing if it is free and nobody waits (Linux: mmap_write_trylock).</summary>
    public bool TryAcquireWrite(out long token, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        long s = Volatile.Read(ref _state);
        while ((s & LockMask) == 0)
        {
            long seen = Interlocked.CompareExchange(ref _state, s | WriterBit, s);
            if (seen == s)
            {
                if (Lockdep.Enabled && _lockdep)
                {
                    Lockdep.Acquire(LockClass.MmapLock, this, trylock: true, nested: false, file, line);
                }

                token = WriteAcquired();
                return true;
            }

            s = seen;
        }

        token = 0;
        return false;
    }

    /// <summary>
    /// Takes the lock for writing, giving up with -EINTR if <paramref name="signal"/> is or becomes
    /// pending while it would have to wait (Linux: mmap_write_lock_killable, which madvise uses).
    /// An acquisition that needs no waiting succeeds even with the signal pending, as Linux's fast
    /// path does.
    /// </summary>
    /// <returns>0 with the lock held and <paramref name="token"/> set, or -EINTR with nothing held.</returns>
    public int AcquireWriteKillable(FatalSignal? signal, out long token, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        if (Lockdep.Enabled && _lockdep)
        {
            Lockdep.Acquire(LockClass.MmapLock, this, trylock: false, nested: false, file, line);
        }

        long s = Volatile.Read(ref _state);
        if ((s & LockMask) != 0 || Interlocked.CompareExchange(ref _state, s | WriterBit, s) != s)
        {
            int error = AcquireSlow(write: true, signal);
            if (error != 0)
            {
                if (Lockdep.Enabled && _lockdep)
                {
                    Lockdep.Release(this);
                }

                token = 0;
                return error;
            }
        }

        token = WriteAcquired();
        return 0;
    }

    /// <summary>Releases the write hold (Linux: mmap_write_unlock).</summary>
    /// <param name="token">What the acquisition returned.</param>
    public void ReleaseWrite(long token)
    {
        if (Lockdep.Enabled && _lockdep)
        {
            Lockdep.Release(this);
        }

        long end = token != 0 ? Stopwatch.GetTimestamp() : 0;
        long s = Volatile.Read(ref _state);
        while (true)
        {
            if ((s & WriterBit) == 0)
            {
                throw new InvalidOperationException("mmap_lock released for writing but it is not write-locked.");
            }

            if ((s & WaitersBit) != 0)
            {
                ReleaseWriteSlow();
                break;
            }

            // Fails only if a waiter set Waiters meanwhile (nothing else changes a write-held state).
            long seen = Interlocked.CompareExchange(ref _state, s & ~WriterBit, s);
            if (seen == s)
            {
                break;
            }

            s = seen;
        }

        if (token != 0)
        {
            RecordHold(write: true, token, end);
        }
    }

    /// <summary>
    /// Throws unless the lock is held in either mode (Linux: mmap_assert_locked). Always on: one
    /// volatile read.
    /// </summary>
    public void AssertLocked()
    {
        if ((Volatile.Read(ref _state) & (WriterBit | ReaderMask)) == 0)
        {
            throw new InvalidOperationException("mmap_lock must be held (read or write) here, but it is not held.");
        }
    }

    /// <summary>Throws unless the lock is held for writing (Linux: mmap_assert_write_locked).</summary>
    public void AssertWriteLocked()
    {
        if ((Volatile.Read(ref _state) & WriterBit) == 0)
        {
            throw new InvalidOperationException("mmap_lock must be held for writing here, but it is not write-locked.");
        }
    }

    /// <summary>The token an acquisition returns: a timestamp while hold times are recorded, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private long HoldStart() => _recordHoldTimes ? Stopwatch.GetTimestamp() : 0;

    /// <summary>Bookkeeping of a write acquisition, done while holding the lock exclusively.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private long WriteAcquired()
    {
        // Exclusive: no other thread writes this field now, so a plain increment is exact.
        _writeAcquisitions++;
        return HoldStart();
    }
}
