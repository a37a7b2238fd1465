using System.Runtime.CompilerServices;

namespace Madvise.Kernel.Mm.Locking;

/// <summary>
/// A sleeping mutex of the kernel (a <see cref="Lock"/>) that belongs to a <see cref="LockClass"/>,
/// so that <see cref="Lockdep"/> can check the order it is taken in. Take it with
/// <c>using (x.EnterScope())</c>; it is a struct so that C#'s <c>lock (x)</c>, which would lock the
/// boxed value and exclude nothing, does not compile.
/// </summary>
internal readonly struct KernelLock
{
    /// <summary>The mutex.</summary>
    private readonly Lock _lock;

    /// <summary>Creates a lock of class <paramref name="cls"/>.</summary>
    public KernelLock(LockClass cls)
    {
        _lock = new Lock();
        Class = cls;
    }

    /// <summary>The lock's class.</summary>
    public LockClass Class { get; }

    /// <summary>True when the calling thread holds the lock.</summary>
    public bool IsHeldByCurrentThread => _lock.IsHeldByCurrentThread;

    /// <summary>Takes the lock (blocking) for the lifetime of the returned scope.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Scope EnterScope([CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        if (Lockdep.Enabled)
        {
#pragma warning disable CS9216 // the Lock is only the key of lockdep's record, never locked as an object
            Lockdep.Acquire(Class, _lock, trylock: false, nested: false, file, line);
#pragma warning restore CS9216
        }

        _lock.Enter();
        return new Scope(_lock);
    }

    /// <summary>Holds a <see cref="KernelLock"/> until disposed.</summary>
    public readonly ref struct Scope
    {
        private readonly Lock _lock;

        internal Scope(Lock l) => _lock = l;

        /// <summary>Releases the lock.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Dispose()
        {
            _lock.Exit();
            if (Lockdep.Enabled)
            {
#pragma warning disable CS9216 // the key of lockdep's record, as in EnterScope
                Lockdep.Release(_lock);
#pragma warning restore CS9216
            }
        }
    }
}
