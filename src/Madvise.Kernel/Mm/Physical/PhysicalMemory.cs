using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Madvise.Kernel.Mm.Locking;
using Madvise.Kernel.Mm.Reclaim;

namespace Madvise.Kernel.Mm.Physical;

/// <summary>
/// The simulated machine's RAM: page frames whose 4 KiB of data really live in native memory,
/// their metadata (<see cref="PageFrame"/>), and the frame allocator, which hands out single
/// frames and physically contiguous, aligned blocks of 512 (a transparent huge page).
/// </summary>
/// <remarks>
/// <para>Frames are created lazily in chunks of <see cref="FramesPerChunk"/> (2 MiB of data each,
/// one native block) up to the configured size; a chunk is never moved or returned to the OS
/// before <see cref="Dispose"/>, so a pfn's data pointer and metadata slot are stable for the life
/// of the kernel. pfn 0 is the shared zero page (<see cref="ZeroPfn"/>).</para>
/// <para>The allocator is a two-order buddy allocator (order 0 and order 9, Linux:
/// mm/page_alloc.c): a chunk is either wholly free (on the whole-free stack; a huge page
/// allocation takes one), or open for single frames (on the partial list while it has a free
/// frame), or full. Single frames come from an open chunk first, so whole chunks stay whole for
/// huge pages as long as possible; a new chunk is opened only when no open chunk has a free
/// frame. A chunk whose last frame comes back is whole again (the buddies merge). Within an open
/// chunk, frames never handed out since it was opened are taken in address order (a bump index),
/// freed ones from the chunk's free list, which links free frames through
/// <see cref="PageFrame.LruNext"/> (free frames are on no LRU list).</para>
/// <para>When no chunk is wholly free and no new one can be created, a huge page allocation fails
/// (-1): there is no compaction, so the caller falls back to single pages, as Linux does when
/// compaction cannot help.</para>
/// <para>Locking: <see cref="_zoneLock"/> protects every allocator structure below and chunk
/// creation. It is a leaf lock: nothing is taken while holding it. Frame counts and flags are
/// atomics.</para>
/// </remarks>
public sealed unsafe class PhysicalMemory : IDisposable
{
    /// <summary>Frames per chunk of native memory (512 × 4 KiB = 2 MiB), also the frames of one huge page.</summary>
    internal const int FramesPerChunk = 512;

    private const int ChunkShift = 9;

    /// <summary>The shared zero page: mapped read-only for read faults on anonymous memory.</summary>
    public const int ZeroPfn = 0;

    /// <summary>Page size in bytes.</summary>
    public const int PageBytes = 4096;

    /// <summary>Bytes of one huge page (2 MiB).</summary>
    internal const int HugeBytes = FramesPerChunk * PageBytes;

    /// <summary>Native data of each chunk, indexed by pfn &gt;&gt; 9; null until the chunk exists.</summary>
    private readonly nint[] _chunkData;

    /// <summary>Metadata of each chunk, indexed by pfn &gt;&gt; 9; null until the chunk exists.</summary>
    private readonly PageFrame[]?[] _chunkMeta;

    /// <summary>Free frames of each created chunk. Protected by <see cref="_zoneLock"/>.</summary>
    private readonly short[] _chunkFree;

    /// <summary>Head pfn of each open chunk's free list (linked through LruNext), or -1. Protected by <see cref="_zoneLock"/>.</summary>
    private readonly int[] _chunkFreeHead;

    /// <summary>Index of the first frame of each open chunk never handed out since the chunk was opened. Protected by <see cref="_zoneLock"/>.</summary>
    private readonly short[] _chunkBump;

    /// <summary>Position of each chunk in <see cref="_partial"/>, or -1. Protected by <see cref="_zoneLock"/>.</summary>
    private readonly int[] _partialPos;

    /// <summary>Open chunks with at least one free frame (unordered; the last is used first). Protected by <see cref="_zoneLock"/>.</summary>
    private readonly int[] _partial;

    /// <summary>Number of valid entries in <see cref="_partial"/>. Protected by <see cref="_zoneLock"/>.</summary>
    private int _partialCount;

    /// <summary>Wholly free chunks, as a stack. Protected by <see cref="_zoneLock"/>.</summary>
    private readonly int[] _whole;

    /// <summary>Number of valid entries in <see cref="_whole"/>. Protected by <see cref="_zoneLock"/>.</summary>
    private int _wholeCount;

    /// <summary>Number of frames created so far (chunks × 512). Protected by <see cref="_zoneLock"/>.</summary>
    private int _createdFrames;

    /// <summary>Leaf lock (Linux: zone-&gt;lock, a spinlock; <see cref="LockClass.Zone"/>): the allocator's structures and chunk creation.</summary>
    private readonly Spinlock _zoneLock = new(LockClass.Zone);

    /// <summary>Frames currently allocated, the zero pages excluded. Written under <see cref="_zoneLock"/> (which every allocation and free takes anyway, so no atomic is needed); read with no lock.</summary>
    private long _framesInUse;

    /// <summary>Frames holding page tables (<see cref="PageTableFrames"/>). Atomic.</summary>
    private long _pageTableFrames;

    /// <summary>Total allocations ever made (statistics; a huge page counts once). Written under <see cref="_zoneLock"/>; read with no lock.</summary>
    private long _allocations;

    /// <summary>Huge page allocations ever made. Written under <see cref="_zoneLock"/>; read with no lock.</summary>
    private long _hugeAllocations;

    /// <summary>Huge page allocations that failed for want of a wholly free chunk. Written under <see cref="_zoneLock"/>; read with no lock.</summary>
    private long _hugeFailures;

    /// <summary>First pfn of the huge zero page, 0 until first used (pfn 0 is never a huge page's). Written once under <see cref="_zoneLock"/>.</summary>
    private int _hugeZeroPfn;

    private bool _disposed;

    /// <summary>Where chunk data comes from and goes back to, or null for the system allocator.</summary>
    private readonly FrameChunkPool? _pool;

    /// <summary>
    /// Creates a machine with room for <paramref name="totalBytes"/> of RAM (rounded up to 2 MiB),
    /// its chunks' data taken from and returned to <paramref name="pool"/> when given.
    /// </summary>
    public PhysicalMemory(ulong totalBytes, FrameChunkPool? pool = null)
    {
        _pool = pool;
        var chunks = (int)Math.Max(1, (totalBytes + (FramesPerChunk * (ulong)PageBytes) - 1) / (FramesPerChunk * (ulong)PageBytes));
        TotalFrames = chunks * FramesPerChunk;
        _chunkData = new nint[chunks];
        _chunkMeta = new PageFrame[chunks][];
        _chunkFree = new short[chunks];
        _chunkFreeHead = new int[chunks];
        _chunkBump = new short[chunks];
        _partialPos = new int[chunks];
        Array.Fill(_partialPos, -1);
        _partial = new int[chunks];
        _whole = new int[chunks];

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
    public long FreeFrames => TotalFrames - 1 - (Volatile.Read(ref _hugeZeroPfn) != 0 ? FramesPerChunk : 0) - FramesInUse;

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

    /// <summary>Huge pages (512 contiguous frames) allocated since creation.</summary>
    public long HugeAllocations => Volatile.Read(ref _hugeAllocations);

    /// <summary>Huge page allocations that failed because no 2 MiB chunk was wholly free.</summary>
    public long HugeAllocationFailures => Volatile.Read(ref _hugeFailures);

    /// <summary>Metadata of frame <paramref name="pfn"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ref PageFrame Frame(int pfn) => ref _chunkMeta[pfn >> ChunkShift]![pfn & (FramesPerChunk - 1)];

    /// <summary>Pointer to the 4 KiB of data of frame <paramref name="pfn"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal byte* Data(int pfn) => (byte*)_chunkData[pfn >> ChunkShift] + ((nint)(pfn & (FramesPerChunk - 1)) * PageBytes);

    /// <summary>The data of frame <paramref name="pfn"/> as a span.</summary>
    internal Span<byte> Page(int pfn) => new(Data(pfn), PageBytes);

    /// <summary>Copies frame <paramref name="source"/>'s data into frame <paramref name="target"/>, or zero-fills the target when <paramref name="source"/> is -1 (building a huge page from small ones).</summary>
    internal void CopyOrClear(int source, int target)
    {
        if (source >= 0)
        {
            Buffer.MemoryCopy(Data(source), Data(target), PageBytes, PageBytes);
        }
        else
        {
            NativeMemory.Clear(Data(target), PageBytes);
        }
    }

    /// <summary>
    /// Allocates a frame with one reference and no flags; zero-filled when <paramref name="zero"/>.
    /// </summary>
    /// <returns>The pfn, or -1 when the machine is out of memory.</returns>
    internal int Allocate(bool zero)
    {
        int pfn;
        using (_zoneLock.EnterScope())
        {
            pfn = TakeFrameLocked();
            if (pfn < 0)
            {
                return -1;
            }

            Volatile.Write(ref _framesInUse, _framesInUse + 1);
            Volatile.Write(ref _allocations, _allocations + 1);
        }

        InitFrame(ref Frame(pfn));
        if (zero)
        {
            NativeMemory.Clear(Data(pfn), PageBytes);
        }

        return pfn;
    }

    /// <summary>
    /// Allocates a huge page: 512 physically contiguous frames, the first 2 MiB-aligned, each with
    /// one reference and no flags, zero-filled when <paramref name="zero"/>. The frames are
    /// independent afterwards: each is freed by its own last <see cref="Put"/>, and the chunk is
    /// whole again once all are back.
    /// </summary>
    /// <returns>The first pfn, or -1 when no 2 MiB chunk is wholly free.</returns>
    internal int AllocateHuge(bool zero)
    {
        int chunk;
        using (_zoneLock.EnterScope())
        {
            chunk = TakeWholeChunkLocked();
            if (chunk < 0)
            {
                Volatile.Write(ref _hugeFailures, _hugeFailures + 1);
                return -1;
            }

            _chunkFree[chunk] = 0;
            Volatile.Write(ref _framesInUse, _framesInUse + FramesPerChunk);
            Volatile.Write(ref _allocations, _allocations + 1);
            Volatile.Write(ref _hugeAllocations, _hugeAllocations + 1);
        }

        var meta = _chunkMeta[chunk]!;
        for (var i = 0; i < meta.Length; i++)
        {
            InitFrame(ref meta[i]);
        }

        var first = chunk << ChunkShift;
        if (zero)
        {
            NativeMemory.Clear(Data(first), HugeBytes);
        }

        return first;
    }

    /// <summary>
    /// The huge zero page (Linux: the huge zero folio): 512 contiguous zero frames that huge read
    /// faults on anonymous memory map read-only, allocated on first use and kept for the life of
    /// the kernel (reserved: never counted in use, never referenced, never freed; Linux frees it
    /// under memory pressure when unused, which nothing here can observe).
    /// </summary>
    /// <returns>Its first pfn, or -1 when no 2 MiB chunk could be had for it.</returns>
    internal int HugeZeroPage()
    {
        var pfn = Volatile.Read(ref _hugeZeroPfn);
        if (pfn != 0)
        {
            return pfn;
        }

        using (_zoneLock.EnterScope())
        {
            if (_hugeZeroPfn != 0)
            {
                return _hugeZeroPfn;
            }

            var chunk = TakeWholeChunkLocked();
            if (chunk < 0)
            {
                return -1;
            }

            _chunkFree[chunk] = 0;
            var meta = _chunkMeta[chunk]!;
            for (var i = 0; i < meta.Length; i++)
            {
                InitFrame(ref meta[i]);
                meta[i].Flags = (int)PageFlags.Reserved;
            }

            NativeMemory.Clear((void*)_chunkData[chunk], HugeBytes);
            pfn = chunk << ChunkShift;
            Volatile.Write(ref _hugeZeroPfn, pfn);
            return pfn;
        }
    }

    /// <summary>True when <paramref name="pfn"/> is the first frame of the huge zero page.</summary>
    internal bool IsHugeZero(int pfn) => pfn != 0 && pfn == Volatile.Read(ref _hugeZeroPfn);

    private static void InitFrame(ref PageFrame f)
    {
        f.RefCount = 1;
        f.MapCount = 0;
        f.Flags = 0;
        f.LruPrev = -1;
        f.LruNext = -1;
        f.SwapSlot = -1;
        f.MlockCount = 0;
        f.BatchRefs = 0;
        f.Index = 0;
        f.Mapping = null;
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
                ReturnFrameLocked(pfn);
            }

            Volatile.Write(ref _framesInUse, _framesInUse - nfree);
        }
    }

    private void FreeFrame(int pfn)
    {
        PrepareFree(pfn);
        using (_zoneLock.EnterScope())
        {
            ReturnFrameLocked(pfn);
            Volatile.Write(ref _framesInUse, _framesInUse - 1);
        }
    }

    private void PrepareFree(int pfn)
    {
        ref var f = ref Frame(pfn);
        var flags = (PageFlags)f.Flags;
        if ((flags & PageFlags.Reserved) != 0)
        {
            throw new InvalidOperationException("a zero page must never be freed");
        }

        if ((flags & PageFlags.Lru) != 0)
        {
            // The last reference is gone: the LRU does not hold one, so take the frame off
            // its list here (Linux: __folio_put → lruvec_del_folio). PutBatch has already done
            // this for its whole batch under one lock acquisition.
            Lru?.Remove(pfn);
        }

        if ((flags & PageFlags.SwapCache) != 0 || f.MapCount != 0 || f.BatchRefs != 0)
        {
            throw new InvalidOperationException($"frame {pfn} freed while still in use: flags {flags}, mapcount {f.MapCount}, folio batch references {f.BatchRefs}");
        }

        f.Mapping = null;
        f.Flags = (int)PageFlags.Free;
    }

    /// <summary>A free frame from an open chunk, opening a whole (or new) chunk when none has one; -1 when memory is exhausted. Precondition: <see cref="_zoneLock"/> is held.</summary>
    private int TakeFrameLocked()
    {
        int chunk;
        if (_partialCount > 0)
        {
            chunk = _partial[_partialCount - 1];
        }
        else
        {
            chunk = TakeWholeChunkLocked();
            if (chunk < 0)
            {
                return -1;
            }

            // Open it: every frame free, none handed out yet.
            _chunkFreeHead[chunk] = -1;
            _chunkBump[chunk] = 0;
            AddPartialLocked(chunk);
        }

        int pfn;
        var head = _chunkFreeHead[chunk];
        if (head >= 0)
        {
            pfn = head;
            _chunkFreeHead[chunk] = Frame(head).LruNext;
        }
        else
        {
            pfn = (chunk << ChunkShift) + _chunkBump[chunk]++;
        }

        if (--_chunkFree[chunk] == 0)
        {
            RemovePartialLocked(chunk);
        }

        return pfn;
    }

    /// <summary>A wholly free chunk, created if none is left and the machine has room; -1 otherwise. Precondition: <see cref="_zoneLock"/> is held.</summary>
    private int TakeWholeChunkLocked() => _wholeCount > 0 ? _whole[--_wholeCount] : GrowLocked();

    /// <summary>Puts a freed frame back into its chunk; a chunk whose frames are all back is whole again. Precondition: <see cref="_zoneLock"/> is held.</summary>
    private void ReturnFrameLocked(int pfn)
    {
        var chunk = pfn >> ChunkShift;
        var free = ++_chunkFree[chunk];
        if (free == FramesPerChunk)
        {
            // The buddies merge: the chunk is one free 2 MiB block again.
            if (_partialPos[chunk] >= 0)
            {
                RemovePartialLocked(chunk);
            }

            _whole[_wholeCount++] = chunk;
            return;
        }

        if (free == 1)
        {
            // The chunk was full (of single frames, or a huge page whose frames now come back
            // one by one): it is open again, with nothing left to bump through.
            if (_partialPos[chunk] < 0)
            {
                AddPartialLocked(chunk);
            }

            _chunkFreeHead[chunk] = -1;
            _chunkBump[chunk] = FramesPerChunk;
        }

        Frame(pfn).LruNext = _chunkFreeHead[chunk];
        _chunkFreeHead[chunk] = pfn;
    }

    private void AddPartialLocked(int chunk)
    {
        _partialPos[chunk] = _partialCount;
        _partial[_partialCount++] = chunk;
    }

    private void RemovePartialLocked(int chunk)
    {
        var pos = _partialPos[chunk];
        var last = _partial[--_partialCount];
        _partial[pos] = last;
        _partialPos[last] = pos;
        _partialPos[chunk] = -1;
    }

    /// <summary>Creates the next chunk of frames, all free; its index, or -1 when the machine is full. Precondition: <see cref="_zoneLock"/> is held.</summary>
    private int GrowLocked()
    {
        var chunk = _createdFrames >> ChunkShift;
        if (chunk >= _chunkData.Length)
        {
            return -1;
        }

        var data = _pool is null ? FrameChunkPool.Allocate() : _pool.Rent();
        var meta = new PageFrame[FramesPerChunk];
        for (var i = 0; i < meta.Length; i++)
        {
            meta[i].Flags = (int)PageFlags.Free;
            meta[i].LruPrev = meta[i].LruNext = meta[i].SwapSlot = -1;
        }

        _chunkMeta[chunk] = meta;
        Volatile.Write(ref _chunkData[chunk], data);
        _chunkFree[chunk] = FramesPerChunk;

        // Published last: a lock-free reader that sees the count sees the chunk (CreatedFramesLockFree).
        Volatile.Write(ref _createdFrames, _createdFrames + FramesPerChunk);
        return chunk;
    }

    /// <summary>Counts frames that are neither free nor a zero page, by scanning every frame (ground truth for tests).</summary>
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
            if ((Frame(pfn).Flags & (int)(PageFlags.Free | PageFlags.Reserved)) == 0)
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
                if (_pool is null)
                {
                    NativeMemory.AlignedFree((void*)_chunkData[i]);
                }
                else
                {
                    _pool.Return(_chunkData[i]);
                }

                _chunkData[i] = 0;
            }
        }
    }
}
