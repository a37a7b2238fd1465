using System.Runtime.CompilerServices;

namespace Madvise.Kernel.Mm.Locking;

/// <summary>
/// A lock-order validator (Linux: lockdep, reduced to ranks): while enabled, every acquisition of
/// a kernel lock is checked against the locks the thread already holds, and one that breaks the
/// order of <see cref="LockClass"/> throws <see cref="LockOrderException"/> naming both
/// acquisition sites; the violation is also kept, and the kernel's <see cref="SimulatedKernel.Dispose"/>
/// throws it again, so a test whose call turned it into an oops still fails.
/// </summary>
/// <remarks>
/// <para>Enabled by the AppContext switch <see cref="SwitchName"/>, which the test projects set
/// (RuntimeHostConfigurationOption): the whole test suite runs under it. Production code pays one
/// test of <see cref="Enabled"/>, a static read-only field the JIT folds to a constant, per
/// acquisition and release.</para>
/// <para>Per thread, a stack of held locks (class, instance, site). Rules: a lock may be taken only
/// when every held lock has a lower rank; a try-acquisition (which cannot wait) is not checked but
/// is recorded; a PTE lock may nest in another PTE lock only when the acquisition says so (fork);
/// a wait that takes no lock (a VMA write lock waiting for readers) is checked as an acquisition.
/// Locks internal to a lock's own implementation (the mmap_lock's wait queue and counters, a
/// VMA lock's monitor, a fatal signal's registry) are not tracked, as Linux's lockdep does not
/// order an rwsem's wait_lock against its users.</para>
/// </remarks>
public static partial class Lockdep
{
    /// <summary>The AppContext switch that enables the validator.</summary>
    public const string SwitchName = "Madvise.Kernel.Lockdep";

    /// <summary>True when the validator runs (read once, at start).</summary>
    public static readonly bool Enabled = AppContext.TryGetSwitch(SwitchName, out var on) && on;

    /// <summary>The locks the current thread holds, oldest first.</summary>
    [ThreadStatic]
    private static Held[]? t_held;

    /// <summary>Entries of <see cref="t_held"/> in use.</summary>
    [ThreadStatic]
    private static int t_depth;

    /// <summary>The first violation not yet reported by <see cref="ThrowIfViolated"/>; null when none.</summary>
    private static LockOrderException? s_violation;

    /// <summary>Violations found since the process started.</summary>
    private static int s_violations;

    /// <summary>Violations found since the process started.</summary>
    public static int Violations => Volatile.Read(ref s_violations);

    /// <summary>Locks the calling thread holds (tests assert 0 between operations).</summary>
    public static int HeldByCurrentThread => t_depth;

    /// <summary>Throws (once) the first violation found and not yet reported.</summary>
    public static void ThrowIfViolated()
    {
        var v = Interlocked.Exchange(ref s_violation, null);
        if (v is not null)
        {
            throw new LockOrderException(v.Message);
        }
    }

    /// <summary>Records the acquisition of <paramref name="instance"/>, a lock of <paramref name="cls"/>, after checking the order.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void Acquire(LockClass cls, object instance, bool trylock, bool nested, string file, int line)
    {
        var held = t_held ??= new Held[16];
        if (!trylock)
        {
            Check(cls, nested, file, line, held);
        }

        if (t_depth == held.Length)
        {
            Array.Resize(ref t_held, held.Length * 2);
            held = t_held;
        }

        held[t_depth++] = new Held(cls, instance, file, line);
    }

    /// <summary>Checks a blocking wait of class <paramref name="cls"/> that takes no lock (a VMA write lock waiting for its readers).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void Wait(LockClass cls, string file, int line) => Check(cls, nested: false, file, line, t_held ??= new Held[16]);

    /// <summary>Records the release of <paramref name="instance"/> by the current thread (the most recent acquisition of it).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void Release(object instance)
    {
        var held = t_held;
        for (var i = t_depth - 1; i >= 0; i--)
        {
            if (ReferenceEquals(held![i].Instance, instance))
            {
                Array.Copy(held, i + 1, held, i, t_depth - i - 1);
                held[--t_depth] = default;
                return;
            }
        }

        // Released by a thread that did not take it (a read lock handed over): nothing to pop here.
    }

    private static void Check(LockClass cls, bool nested, string file, int line, Held[] held)
    {
        var rank = Rank(cls);
        for (var i = 0; i < t_depth; i++)
        {
            var h = held[i];
            var heldRank = Rank(h.Class);
            if (heldRank < rank || (nested && cls == LockClass.PteLock && h.Class == LockClass.PteLock))
            {
                continue;
            }

            if (!IsStillHeld(h.Instance))
            {
                // A lock this thread took and nobody holds any more: released by another thread
                // (a test hands a lock over) or abandoned with its owner (a test drops a held
                // lock object). It orders nothing: forget it rather than blame the next lock.
                Array.Copy(held, i + 1, held, i, t_depth - i - 1);
                held[--t_depth] = default;
                i--;
                continue;
            }

            var violation = new LockOrderException(
                $"lock order: taking {cls} at {Site(file, line)} while holding {h.Class} taken at {Site(h.File, h.Line)} " +
                $"({cls} ranks {(heldRank == rank ? "with" : "above")} {h.Class}; see LockClass and MmStruct's lock-order tree)");
            if (!t_expected)
            {
                Interlocked.Increment(ref s_violations);
                Interlocked.CompareExchange(ref s_violation, violation, null);
            }

            throw violation;
        }
    }

    /// <summary>False when nobody holds <paramref name="instance"/> (so the current thread's record of it is stale).</summary>
    private static bool IsStillHeld(object instance) => instance switch
    {
        MmapLock m => m.ReaderCount > 0 || m.IsWriteLocked,
        VmaLock v => v.HasReaders,
        Spinlock s => s.IsHeld,
#pragma warning disable CS9216 // a KernelLock's key: asked, never locked, here
        Lock l => l.IsHeldByCurrentThread,
#pragma warning restore CS9216
        _ => true,
    };

    private static int Rank(LockClass cls) => (int)cls / 100;

    private static string Site(string file, int line) => $"{Path.GetFileName(file)}:{line}";

    /// <summary>One held lock.</summary>
    private readonly record struct Held(LockClass Class, object Instance, string File, int Line);
}
