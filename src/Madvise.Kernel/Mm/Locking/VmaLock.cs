using System.Runtime.CompilerServices;
using Madvise.Kernel.Mm.Vmas;

namespace Madvise.Kernel.Mm.Locking;

/// <summary>
/// The per-VMA lock (Linux 6.4+: <c>vma_start_read</c> / <c>vma_start_write</c>), which lets a
/// page-level operation on one VMA run without the mmap_lock.
/// </summary>
/// <remarks>
/// <para>Readers never wait: <see cref="TryRead"/> fails when the VMA is write-locked or
/// detached and the caller falls back to the mmap_lock. A writer must hold the mmap write
/// lock; <see cref="StartWrite"/> marks the VMA with the mm's current write sequence and
/// waits for readers to leave. The mark is released for every VMA at once when the mmap write
/// lock is released (<see cref="MmStruct.WriteUnlock"/> advances the sequence), as in Linux.</para>
/// <para>Race between a reader and a writer: the reader increments <see cref="_readers"/>
/// before reading the mark, the writer writes the mark before reading the count (both with
/// full fences), so at least one of them sees the other. Lock order: mmap_lock → VMA lock →
/// page-table lock. <see cref="_readers"/> is atomic; the monitor of this object is used only
/// for the writer's wait (innermost).</para>
/// </remarks>
internal sealed class VmaLock
{
    private readonly Vma _vma;

    /// <summary>Readers currently inside (or transiently trying).</summary>
    private int _readers;

    /// <summary>The mm write sequence at which a writer marked this VMA; -1 if never.</summary>
    private long _writeSeq = -1;

    /// <summary>Set when the VMA left the tree; readers then fail.</summary>
    private volatile bool _detached;

    /// <summary>A writer is waiting for <see cref="_readers"/> to reach zero.</summary>
    private volatile bool _writerWaiting;

    public VmaLock(Vma vma) => _vma = vma;

    /// <summary>True when the VMA has been removed from its mm.</summary>
    public bool IsDetached => _detached;

    /// <summary>True when a writer holds this VMA in the current mmap write-lock session.</summary>
    public bool IsWriteLocked => Volatile.Read(ref _writeSeq) == _vma.Mm.WriteSequence;

    /// <summary>True while a reader is inside (or transiently trying).</summary>
    public bool HasReaders => Volatile.Read(ref _readers) > 0;

    /// <summary>Takes the read lock if no writer holds it and the VMA is attached; never waits.</summary>
    public bool TryRead([CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        Interlocked.Increment(ref _readers);
        if (_detached || Volatile.Read(ref _writeSeq) == _vma.Mm.WriteSequence)
        {
            Leave();
            return false;
        }

        if (Lockdep.Enabled)
        {
            Lockdep.Acquire(LockClass.VmaLock, this, trylock: true, nested: false, file, line);
        }

        return true;
    }

    /// <summary>
    /// Throws unless the VMA is read-locked (Linux: vma_assert_locked). It checks that a reader
    /// is inside, not which thread: one volatile read, always on.
    /// </summary>
    public void AssertReadLocked()
    {
        if (Volatile.Read(ref _readers) <= 0)
        {
            throw new InvalidOperationException("the VMA lock must be held for reading here, but no reader holds it.");
        }
    }

    /// <summary>Releases the read lock.</summary>
    public void EndRead()
    {
        if (Lockdep.Enabled)
        {
            Lockdep.Release(this);
        }

        Leave();
    }

    /// <summary>A reader leaves; the last one wakes a waiting writer.</summary>
    private void Leave()
    {
        if (Interlocked.Decrement(ref _readers) == 0 && _writerWaiting)
        {
            lock (this)
            {
                Monitor.PulseAll(this);
            }
        }
    }

    /// <summary>Write-locks the VMA until the mmap write lock is released. Precondition: the mmap write lock is held.</summary>
    public void StartWrite([CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        _vma.Mm.MmapLock.AssertWriteLocked();
        if (Lockdep.Enabled)
        {
            // vma_start_write() waits for readers: it must not be called with a lower lock held.
            Lockdep.Wait(LockClass.VmaLock, file, line);
        }

        var seq = _vma.Mm.WriteSequence;
        if (Volatile.Read(ref _writeSeq) == seq)
        {
            return;
        }

        Interlocked.Exchange(ref _writeSeq, seq);
        WaitForReaders();
    }

    /// <summary>Marks the VMA detached (removed from the tree) and waits out current readers. Precondition: write-locked.</summary>
    public void MarkDetached([CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        if (Lockdep.Enabled)
        {
            Lockdep.Wait(LockClass.VmaLock, file, line);
        }

        _detached = true;
        Interlocked.MemoryBarrier();
        WaitForReaders();
    }

    private void WaitForReaders()
    {
        if (Volatile.Read(ref _readers) == 0)
        {
            return;
        }

        lock (this)
        {
            _writerWaiting = true;

            // Full fence: the store above must be visible before we read the count, or a
            // reader could leave unseen and miss the pulse (store-load reordering).
            Interlocked.MemoryBarrier();
            while (Volatile.Read(ref _readers) != 0)
            {
                Monitor.Wait(this);
            }

            _writerWaiting = false;
        }
    }
}
