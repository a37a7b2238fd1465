using System.Runtime.CompilerServices;

namespace Madvise.Kernel.Mm.Locking;

/// <summary>
/// A busy-waiting, non-recursive mutual-exclusion lock for short critical sections that never
/// block (Linux: <c>spinlock_t</c>). Used for the leaf locks of the model — page-table locks,
/// the LRU lock, the frame allocator's lock and the TLB locks — which are spinlocks in Linux too.
/// </summary>
/// <remarks>
/// <para>Why not <see cref="Lock"/>: an uncontended <c>Lock</c> enter/exit pair costs about
/// three interlocked operations (it tracks its owner and recursion and must find waiters to
/// wake on exit); measured 16-24 ns per pair on the project machine against about 6 ns for
/// this lock, and a page fault or a one-page MADV_DONTNEED takes four to eight of these locks.
/// Here taking the lock is one compare-exchange and releasing it is one ordinary store with
/// release semantics, as Linux's x86 spinlocks: a waiter spins, then yields its CPU, and never
/// sleeps on an event, so the release has nobody to wake.</para>
/// <para>Rules for holders: keep the section short; never wait for anything (an event, the
/// mmap_lock, a <see cref="Lock"/> held across blocking work) while holding it; never take it
/// again while holding it. Debug builds record the owner's managed thread id in the lock word and
/// throw on a recursive acquisition (Linux's CONFIG_DEBUG_SPINLOCK "recursion" check); release
/// builds store 1, because reading the thread id costs a thread-local lookup (about 6 ns here)
/// on every acquisition. Lock order is the caller's (see <see cref="MmStruct"/>).</para>
/// </remarks>
internal sealed class Spinlock
{
    /// <summary>0 when free; else 1, or in debug builds the managed thread id of the holder.</summary>
    private int _owner;

    /// <summary>Creates a free lock of class <paramref name="cls"/> (<see cref="Lockdep"/>).</summary>
    public Spinlock(LockClass cls) => Class = cls;

    /// <summary>The lock's class.</summary>
    public LockClass Class { get; }

    /// <summary>True when the lock is held (by any thread).</summary>
    public bool IsHeld => Volatile.Read(ref _owner) != 0;

    /// <summary>Takes the lock, spinning (then yielding) while another thread holds it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Enter([CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        if (Lockdep.Enabled)
        {
            Lockdep.Acquire(Class, this, trylock: false, nested: false, file, line);
        }

        var me = OwnerToken;
        if (Interlocked.CompareExchange(ref _owner, me, 0) != 0)
        {
            EnterContended(me);
        }
    }

    /// <summary>Releases the lock. Precondition: the calling thread holds it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Exit()
    {
        Volatile.Write(ref _owner, 0);
        if (Lockdep.Enabled)
        {
            Lockdep.Release(this);
        }
    }

    /// <summary>Takes the lock for the lifetime of the returned scope: <c>using (x.EnterScope()) { ... }</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Scope EnterScope([CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        Enter(file, line);
        return new Scope(this);
    }

    /// <summary>
    /// Takes the lock while the caller holds another lock of the same class (Linux:
    /// spin_lock_nested(..., SINGLE_DEPTH_NESTING)): only fork does, with a PTE table of the
    /// brand-new child, which no other thread can reach, inside the parent's.
    /// </summary>
    public Scope EnterNestedScope([CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        if (Lockdep.Enabled)
        {
            Lockdep.Acquire(Class, this, trylock: false, nested: true, file, line);
        }

        var me = OwnerToken;
        if (Interlocked.CompareExchange(ref _owner, me, 0) != 0)
        {
            EnterContended(me);
        }

        return new Scope(this);
    }

    /// <summary>What the lock word holds while the calling thread owns it.</summary>
    private static int OwnerToken
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
#if DEBUG
            return Environment.CurrentManagedThreadId;
#else
            return 1;
#endif
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void EnterContended(int me)
    {
#if DEBUG
        if (Volatile.Read(ref _owner) == me)
        {
            throw new InvalidOperationException("spinlock taken recursively by its holder (it would spin forever)");
        }
#endif

        var spinner = default(SpinWait);
        while (true)
        {
            // Test before test-and-set: spin on a read so the cache line stays shared while held.
            if (Volatile.Read(ref _owner) == 0 && Interlocked.CompareExchange(ref _owner, me, 0) == 0)
            {
                return;
            }

            // Never Sleep(1): a holder is always running or runnable, so yielding is enough.
            spinner.SpinOnce(sleep1Threshold: -1);
        }
    }

    /// <summary>Holds a <see cref="Spinlock"/> until disposed.</summary>
    public readonly ref struct Scope
    {
        /// <summary>The lock held.</summary>
        private readonly Spinlock _lock;

        internal Scope(Spinlock l) => _lock = l;

        /// <summary>Releases the lock.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Dispose() => _lock.Exit();
    }
}
