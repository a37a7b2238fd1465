using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Madvise.Kernel.Mm.Locking;
using Madvise.Kernel.Mm.Reclaim;

namespace Madvise.Kernel.Mm.Physical;

/// <summary>
/// The simulated machine's RAM: page frames whose 4 KiB of data really live in native memory,
/// their metadata (<see cref="PageFrame"/>), and the frame allocator.
/// </summary>
/// <remarks>
/// <para>Frames are created lazily in chunks of <see cref="FramesPerChunk"/> (2 MiB of data each)
/// up to the configured size; a chunk is never moved or returned to the OS before
/// <see cref="Dispose"/>, so a pfn's data pointer and metadata slot are stable for the life of
/// the kernel. pfn 0 is the shared zero page (<see cref="ZeroPfn"/>).</para>
/// <para>Locking: <see cref="_zoneLock"/> protects the free stack and chunk creation. It is a
/// leaf lock: nothing is taken while holding it. Frame counts and flags are atomics.</para>
/// </remarks>
public sealed unsafe class PhysicalMemory : IDisposable
{
    /// <summary>Frames per chunk of native memory (512 × 4 KiB = 2 MiB).</summary>
    internal const int FramesPerChunk = 512;

    private const int ChunkShift = 9;

    /// <summary>The shared zero page: mapped read-only for read faults on anonymous memory.</summary>
    public const int ZeroPfn = 0;

    /// <summary>Page size in bytes.</summary>
    public const int PageBytes = 4096;

    /// <summary>Native data of each chunk, indexed by pfn &gt;&gt; 9; null until the chunk exists.</summary>
    private readonly nint[] _chunkData;

    /// <summary>Metadata of each chunk, indexed by pfn &gt;&gt; 9; null until the chunk exists.</summary>
    private readonly PageFrame[]?[] _chunkMeta;

    /// <summary>Frames not in use, as a stack of pfns; its capacity never exceeds the frames created (4 B per frame at most). Protected by <see cref="_zoneLock"/>.</summary>
    private int[] _freeStack;

    /// <summary>Number of valid entries in <see cref="_freeStack"/>. Protected by <see cref="_zoneLock"/>.</summary>
    private int _freeCount;

    /// <summary>Number of frames created so far (chunks × 512). Protected by <see cref="_zoneLock"/>.</summary>
    private int _createdFrames;

    /// <summary>Leaf lock (Linux: zone-&gt;lock, a spinlock; <see cref="LockClass.Zone"/>): the free stack and chunk creation.</summary>
    private readonly Spinlock _zoneLock = new(LockClass.Zone);

    /// <summary>Frames currently allocated, the zero page excluded. Written under <see cref="_zoneLock"/> (which every allocation and free takes anyway, so no atomic is needed); read with no lock.</summary>
    private long _framesInUse;

    /// <summary>Frames holding page tables (<see cref="PageTableFrames"/>). Atomic.</summary>
    private long _pageTableFrames;

    /// <summary>Total allocations ever made (statistics). Written under <see cref="_zoneLock"/>; read with no lock.</summary>
    private long _allocations;

    private bool _disposed;

    /// <summary>Creates a machine with room for <paramref name="totalBytes"/> of RAM (rounded up to 2 MiB).</summary>
    public PhysicalMemory(ulong totalBytes)
    {
        var chunks = (int)Math.Max(1, (totalBytes + (FramesPerChunk * (ulong)PageBytes) - 1) / (FramesPerChunk * (ulong)PageBytes));
        TotalFrames = chunks * FramesPerChunk;
        _chunkData = new nint[chunks];
        _chunkMeta = new PageFrame[chunks][];
        _freeStack = new int[FramesPerChunk];
        using (_zoneLock.EnterScope())
        {
            GrowLocked();
        }

        // Reserve the zero page: pfn 0 is the first frame of the first chunk.
        var zero = Allocate(zero: true);
        Debug.Assert(zero == ZeroPfn, "the first allocated frame is the zero page");
        ref var z = ref Frame(ZeroPfn);
        z.Flags = (int)PageFlags.Reserved;
        using (_zoneLock.EnterScope())
        {
            _framesInUse--;
        }
    }

    /// <summary>The LRU lists frames are taken off when freed; set once by the kernel.</summary>
    internal Lru? Lru { get; set; }

    /// <summary>Total frames the machine can hold.</summary>
    public int TotalFrames { get; }

    /// <summary>Frames in use (allocated and not yet freed), not counting the zero page.</summary>
    public long FramesInUse => Volatile.Read(ref _framesInUse);

    /// <summary>Frames in use that hold page tables, every level of every address space (Linux: NR_PAGETABLE).</summary>
    public long PageTableFrames => Interlocked.Read(ref _pageTableFrames);

    /// <summary>Counts <paramref name="delta"/> frames becoming (or ceasing to be) page tables.</summary>
    internal void CountPageTableFrames(int delta) => Interlocked.Add(ref _pageTableFrames, delta);

    /// <summary>Frames that can still be allocated (a snapshot: concurrent allocations may take them).</summary>
    public long FreeFrames => TotalFrames - 1 - FramesInUse;

    /// <summary>Frames created so far (the high-water mark of native memory committed).</summary>
    public int CreatedFrames
    {
        get
        {
            using (_zoneLock.EnterScope())
            {
                return _createdFrames;
            }
        }
    }

    /// <summary>
    /// Frames created so far, read without the lock: every pfn below it has its data and metadata
    /// (chunks are published before the count and never go). For readers that must check a pfn
    /// they cannot trust, such as a lockless page-table walk through a table freed meanwhile.
    /// </summary>
    internal int CreatedFramesLockFree => Volatile.Read(ref _createdFrames);

    /// <summary>Total successful allocations since creation.</summary>
    public long Allocations => Volatile.Read(ref _allocations);

    /// <summary>Metadata of frame <paramref name="pfn"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ref PageFrame Frame(int pfn) => ref _chunkMeta[pfn >> ChunkShift]![pfn & (FramesPerChunk - 1)];

    /// <summary>Pointer to the 4 KiB of data of frame <paramref name="pfn"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal byte* Data(int pfn) => (byte*)_chunkData[pfn >> ChunkShift] + ((nint)(pfn & (FramesPerChunk - 1)) * PageBytes);

    /// <summary>The data of frame <paramref name="pfn"/> as a span.</summary>
    internal Span<byte> Page(int pfn) => new(Data(pfn), PageBytes);

    /// <summary>
    /// Allocates a frame with one reference and no flags; zero-filled when <paramref name="zero"/>.
    /// </summary>
    /// <returns>The pfn, or -1 when the machine is out of memory.</returns>
    internal int Allocate(bool zero)
    {
        int pfn;
        using (_zoneLock.EnterScope())
        {
            if (_freeCount == 0 && !GrowLocked())
            {
                return -1;
            }

            pfn = _freeStack[--_freeCount];
            Volatile.Write(ref _framesInUse, _framesInUse + 1);
            Volatile.Write(ref _allocations, _allocations + 1);
        }

        ref var f = ref Frame(pfn);
        f.RefCount = 1;
        f.MapCount = 0;
        f.Flags = 0;
        f.LruPrev = -1;
        f.LruNext = -1;
        f.SwapSlot = -1;
        f.MlockCount = 0;
        f.Index = 0;
        f.Mapping = null;
        if (zero)
        {
            NativeMemory.Clear(Data(pfn), PageBytes);
        }

        return pfn;
    }

    /// <summary>Takes a reference (get_page).</summary>
    internal void Get(int pfn) => Interlocked.Increment(ref Frame(pfn).RefCount);

    /// <summary>Drops a reference (put_page); the frame returns to the allocator at zero.</summary>
    internal void Put(int pfn)
    {
        ref var f = ref Frame(pfn);
        var n = Interlocked.Decrement(ref f.RefCount);
        if (n == 0)
        {
            FreeFrame(pfn);
        }
        else if (n < 0)
        {
            throw new InvalidOperationException($"frame {pfn}: reference count went negative");
        }
    }

    /// <summary>Drops one reference on each frame; frames reaching zero return to the allocator under one lock acquisition.</summary>
    internal void PutBatch(ReadOnlySpan<int> pfns)
    {
        Span<int> freed = pfns.Length <= 512 ? stackalloc int[pfns.Length] : new int[pfns.Length];
        var nfree = 0;
        var onLru = false;
        foreach (var pfn in pfns)
        {
            ref var f = ref Frame(pfn);
            var n = Interlocked.Decrement(ref f.RefCount);
            if (n == 0)
            {
                onLru |= (Volatile.Read(ref f.Flags) & (int)PageFlags.Lru) != 0;
                freed[nfree++] = pfn;
            }
            else if (n < 0)
            {
                throw new InvalidOperationException($"frame {pfn}: reference count went negative");
            }
        }

        if (nfree == 0)
        {
            return;
        }

        // One LRU lock acquisition for the whole batch instead of one per frame.
        if (onLru)
        {
            Lru?.RemoveBatch(freed[..nfree]);
        }

        foreach (var pfn in freed[..nfree])
        {
            PrepareFree(pfn);
        }

        using (_zoneLock.EnterScope())
        {
            foreach (var pfn in freed[..nfree])
            {
                PushFreeLocked(pfn);
            }

            Volatile.Write(ref _framesInUse, _framesInUse - nfree);
        }
    }

    private void FreeFrame(int pfn)
    {
        PrepareFree(pfn);
        using (_zoneLock.EnterScope())
        {
            PushFreeLocked(pfn);
            Volatile.Write(ref _framesInUse, _framesInUse - 1);
        }
    }

    private void PrepareFree(int pfn)
    {
        ref var f = ref Frame(pfn);
        var flags = (PageFlags)f.Flags;
        if ((flags & PageFlags.Reserved) != 0)
        {
            throw new InvalidOperationException("the zero page must never be freed");
        }

        if ((flags & PageFlags.Lru) != 0)
        {
            // The last reference is gone: the LRU does not hold one, so take the frame off
            // its list here (Linux: __folio_put → lruvec_del_folio). PutBatch has already done
            // this for its whole batch under one lock acquisition.
            Lru?.Remove(pfn);
        }

        if ((flags & PageFlags.SwapCache) != 0 || f.MapCount != 0)
        {
            throw new InvalidOperationException($"frame {pfn} freed while still in use: flags {flags}, mapcount {f.MapCount}");
        }

        f.Mapping = null;
        f.Flags = (int)PageFlags.Free;
    }

    private void PushFreeLocked(int pfn)
    {
        if (_freeCount == _freeStack.Length)
        {
            // The stack never holds more than every created frame: doubling past that would be
            // 4 B per frame of pure waste (a third of the allocator's metadata per page).
            Array.Resize(ref _freeStack, Math.Min(_freeStack.Length * 2, _createdFrames));
        }

        _freeStack[_freeCount++] = pfn;
    }

    /// <summary>Creates the next chunk of frames. Precondition: <see cref="_zoneLock"/> is held.</summary>
    private bool GrowLocked()
    {
        var chunk = _createdFrames >> ChunkShift;
        if (chunk >= _chunkData.Length)
        {
            return false;
        }

        var data = (nint)NativeMemory.AlignedAlloc(FramesPerChunk * (nuint)PageBytes, PageBytes);
        var meta = new PageFrame[FramesPerChunk];
        for (var i = 0; i < meta.Length; i++)
        {
            meta[i].Flags = (int)PageFlags.Free;
            meta[i].LruPrev = meta[i].LruNext = meta[i].SwapSlot = -1;
        }

        _chunkMeta[chunk] = meta;
        Volatile.Write(ref _chunkData[chunk], data);
        if (_freeStack.Length < _freeCount + FramesPerChunk)
        {
            Array.Resize(ref _freeStack, Math.Min(Math.Max(_freeStack.Length * 2, _freeCount + FramesPerChunk), _createdFrames + FramesPerChunk));
        }

        // Push in reverse so that the lowest pfn is allocated first.
        var basePfn = chunk << ChunkShift;
        for (var i = FramesPerChunk - 1; i >= 0; i--)
        {
            _freeStack[_freeCount++] = basePfn + i;
        }

        // Published last: a lock-free reader that sees the count sees the chunk (CreatedFramesLockFree).
        Volatile.Write(ref _createdFrames, _createdFrames + FramesPerChunk);
        return true;
    }

    /// <summary>Counts frames that are neither free nor the zero page, by scanning every frame (ground truth for tests).</summary>
    internal long CountFramesInUseSlow()
    {
        long n = 0;
        int created;
        using (_zoneLock.EnterScope())
        {
            created = _createdFrames;
        }

        for (var pfn = 1; pfn < created; pfn++)
        {
            if ((Frame(pfn).Flags & (int)PageFlags.Free) == 0)
            {
                n++;
            }
        }

        return n;
    }

    /// <summary>Releases the native memory. Frames must not be used afterwards.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        for (var i = 0; i < _chunkData.Length; i++)
        {
            if (_chunkData[i] != 0)
            {
                NativeMemory.AlignedFree((void*)_chunkData[i]);
                _chunkData[i] = 0;
            }
        }
    }
}
