using System.Runtime.InteropServices;
using Madvise.Kernel.Mm.Locking;
using Madvise.Kernel.Mm.Physical;

namespace Madvise.Kernel.Mm.Reclaim;

/// <summary>
/// A swap device: slots of 4 KiB that hold the data of swapped-out anonymous pages, with a
/// use count per slot (Linux: <c>swap_map</c>) because fork shares swap entries.
/// </summary>
/// <remarks>
/// <para>Writing and reading a slot is synchronous (the model has no I/O latency to imitate). The
/// swap cache maps a slot to a frame that currently holds its data (after WILLNEED read it
/// ahead). <see cref="_lock"/> protects counts, the free list and the cache; it is a leaf
/// lock taken inside page-table locks.</para>
/// <para>Host memory: the device is this process's memory, so it costs only what is used. Slots
/// are handed out lowest first and come in chunks of 512 (2 MiB of data, native memory, and 4 KiB
/// of counts), each created when its first slot is; a chunk stays until the device goes, so the
/// footprint follows the most slots ever in use, never the configured size. Released slots are
/// reused before a new one is touched. Nothing is taken from the simulated RAM: the device is a
/// disk, and <see cref="KernelConfig.MaxSwapBytes"/> bounds its size.</para>
/// </remarks>
internal sealed unsafe class SwapArea : IDisposable
{
    /// <summary>Slots per chunk: 2 MiB of slot data.</summary>
    private const int SlotsPerChunk = 512;

    private const int ChunkShift = 9;

    private readonly PhysicalMemory _memory;

    /// <summary>Protects every chunk's counts and cache, <see cref="_released"/>, <see cref="_releasedCount"/>, <see cref="_nextUnused"/> and <see cref="_used"/>. Leaf lock (<see cref="LockClass.SwapMap"/>): taken under PTE locks and the page cache lock, nothing under it.</summary>
    private readonly KernelLock _lock = new(LockClass.SwapMap);

    /// <summary>The chunks by slot &gt;&gt; 9; null until a slot of the chunk is first used. Entries are written under <see cref="_lock"/> and never change afterwards.</summary>
    private readonly Chunk?[] _chunks;

    /// <summary>Slots released since they were first used, as a stack (reused first). Protected by <see cref="_lock"/>.</summary>
    private int[] _released = new int[SlotsPerChunk];

    /// <summary>Valid entries of <see cref="_released"/>. Protected by <see cref="_lock"/>.</summary>
    private int _releasedCount;

    /// <summary>Slots at or above this were never used. Protected by <see cref="_lock"/>.</summary>
    private int _nextUnused;

    /// <summary>Slots in use. Protected by <see cref="_lock"/>.</summary>
    private int _used;

    public SwapArea(PhysicalMemory memory, ulong bytes)
    {
        _memory = memory;
        Slots = (int)(bytes / PhysicalMemory.PageBytes);
        _chunks = new Chunk?[(Slots + SlotsPerChunk - 1) >> ChunkShift];
    }

    /// <summary>Number of slots.</summary>
    public int Slots { get; }

    /// <summary>Slots in use.</summary>
    public int UsedSlots
    {
        get
        {
            using (_lock.EnterScope())
            {
                return _used;
            }
        }
    }

    /// <summary>Chunks of slots created so far (host memory: 2 MiB of data each).</summary>
    public int ChunksCreated
    {
        get
        {
            using (_lock.EnterScope())
            {
                return (_nextUnused + SlotsPerChunk - 1) >> ChunkShift;
            }
        }
    }

    /// <summary>Allocates a slot with one user and writes frame <paramref name="pfn"/>'s data into it.</summary>
    /// <returns>The slot, or -1 when the device is full.</returns>
    public int WriteOut(int pfn)
    {
        int slot;
        using (_lock.EnterScope())
        {
            if (_releasedCount > 0)
            {
                slot = _released[--_releasedCount];
            }
            else if (_nextUnused < Slots)
            {
                slot = _nextUnused++;
                if ((slot & (SlotsPerChunk - 1)) == 0)
                {
                    Volatile.Write(ref _chunks[slot >> ChunkShift], new Chunk());
                }
            }
            else
            {
                return -1;
            }

            ChunkOf(slot).Count[slot & (SlotsPerChunk - 1)] = 1;
            _used++;
        }

        Store(slot, pfn);
        return slot;
    }

    /// <summary>
    /// Copies frame <paramref name="pfn"/>'s data into slot <paramref name="slot"/> again: reclaim
    /// does it once the last writable mapping is gone, so that stores made between
    /// <see cref="WriteOut"/> and the unmap are not lost.
    /// </summary>
    public void Store(int slot, int pfn) =>
        Buffer.MemoryCopy(_memory.Data(pfn), SlotData(slot), PhysicalMemory.PageBytes, PhysicalMemory.PageBytes);

    /// <summary>Copies slot <paramref name="slot"/>'s data into frame <paramref name="pfn"/>.</summary>
    public void ReadIn(int slot, int pfn) =>
        Buffer.MemoryCopy(SlotData(slot), _memory.Data(pfn), PhysicalMemory.PageBytes, PhysicalMemory.PageBytes);

    /// <summary>Adds a user to a slot (fork copies a swap PTE: swap_duplicate).</summary>
    public void Duplicate(int slot)
    {
        using (_lock.EnterScope())
        {
            ChunkOf(slot).Count[slot & (SlotsPerChunk - 1)]++;
        }
    }

    /// <summary>Drops a user of a slot (swap_free); the slot and any cached frame are released at zero.</summary>
    public void Free(int slot)
    {
        int cached;
        using (_lock.EnterScope())
        {
            var chunk = ChunkOf(slot);
            var i = slot & (SlotsPerChunk - 1);
            var n = --chunk.Count[i];
            if (n > 0)
            {
                return;
            }

            if (n < 0)
            {
                chunk.Count[i] = 0;
                throw new InvalidOperationException($"swap slot {slot} freed twice");
            }

            if (_releasedCount == _released.Length)
            {
                Array.Resize(ref _released, _released.Length * 2);
            }

            _released[_releasedCount++] = slot;
            _used--;
            cached = chunk.Cache[i];
            chunk.Cache[i] = -1;
        }

        if (cached >= 0)
        {
            DropCachedFrame(cached);
        }
    }

    /// <summary>The frame caching <paramref name="slot"/> with a new reference, or -1.</summary>
    public int LookupCache(int slot)
    {
        using (_lock.EnterScope())
        {
            var pfn = ChunkOf(slot).Cache[slot & (SlotsPerChunk - 1)];
            if (pfn >= 0)
            {
                _memory.Get(pfn);
            }

            return pfn;
        }
    }

    /// <summary>Puts frame <paramref name="pfn"/> (holding <paramref name="slot"/>'s data) in the swap cache; the cache keeps the caller's reference.</summary>
    /// <returns>False when another frame already caches the slot (the caller keeps its reference).</returns>
    public bool AddToCache(int slot, int pfn)
    {
        using (_lock.EnterScope())
        {
            var chunk = ChunkOf(slot);
            var i = slot & (SlotsPerChunk - 1);
            if (chunk.Cache[i] >= 0 || chunk.Count[i] == 0)
            {
                return false;
            }

            chunk.Cache[i] = pfn;
            ref var f = ref _memory.Frame(pfn);
            f.SwapSlot = slot;
            Interlocked.Or(ref f.Flags, (int)PageFlags.SwapCache);
            return true;
        }
    }

    /// <summary>True when the slot's data is also in a frame (mincore reports it resident).</summary>
    public bool IsCached(int slot)
    {
        using (_lock.EnterScope())
        {
            return ChunkOf(slot).Cache[slot & (SlotsPerChunk - 1)] >= 0;
        }
    }

    /// <summary>The chunk of a slot that has been handed out (its chunk exists).</summary>
    private Chunk ChunkOf(int slot) =>
        Volatile.Read(ref _chunks[slot >> ChunkShift]) ?? throw new InvalidOperationException($"swap slot {slot} was never allocated");

    /// <summary>The 4 KiB of data of a slot that has been handed out.</summary>
    private byte* SlotData(int slot) => (byte*)ChunkOf(slot).Data + ((nint)(slot & (SlotsPerChunk - 1)) * PhysicalMemory.PageBytes);

    private void DropCachedFrame(int pfn)
    {
        ref var f = ref _memory.Frame(pfn);
        f.SwapSlot = -1;
        Interlocked.And(ref f.Flags, ~(int)PageFlags.SwapCache);
        _memory.Put(pfn);
    }

    public void Dispose()
    {
        for (var i = 0; i < _chunks.Length; i++)
        {
            _chunks[i]?.Free();
            _chunks[i] = null;
        }
    }

    /// <summary>512 slots: their use counts, swap cache entries and 2 MiB of data.</summary>
    private sealed class Chunk
    {
        /// <summary>Users of each slot (PTEs and the swap cache); 0 = free.</summary>
        public readonly int[] Count = new int[SlotsPerChunk];

        /// <summary>Frame caching each slot, or -1.</summary>
        public readonly int[] Cache = NewCache();

        /// <summary>The slots' data (native memory, committed by the OS as it is first written).</summary>
        public nint Data = (nint)NativeMemory.Alloc(SlotsPerChunk * (nuint)PhysicalMemory.PageBytes);

        public void Free()
        {
            NativeMemory.Free((void*)Data);
            Data = 0;
        }

        private static int[] NewCache()
        {
            var cache = new int[SlotsPerChunk];
            Array.Fill(cache, -1);
            return cache;
        }
    }
}
