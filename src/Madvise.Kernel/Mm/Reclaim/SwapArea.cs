using System.Runtime.InteropServices;
using Madvise.Kernel.Mm.Physical;

namespace Madvise.Kernel.Mm.Reclaim;

/// <summary>
/// A swap device: slots of 4 KiB that hold the data of swapped-out anonymous pages, with a
/// use count per slot (Linux: <c>swap_map</c>) because fork shares swap entries.
/// </summary>
/// <remarks>
/// Writing and reading a slot is synchronous (the model has no I/O latency to imitate). The
/// swap cache maps a slot to a frame that currently holds its data (after WILLNEED read it
/// ahead). <see cref="_lock"/> protects counts, the free stack and the cache; it is a leaf
/// lock taken inside page-table locks. Slot data is native memory allocated on first use.
/// </remarks>
internal sealed unsafe class SwapArea : IDisposable
{
    private readonly PhysicalMemory _memory;

    /// <summary>Protects <see cref="_count"/>, <see cref="_free"/>, <see cref="_cache"/>.</summary>
    private readonly Lock _lock = new();

    /// <summary>Users of each slot (PTEs and the swap cache); 0 = free.</summary>
    private readonly int[] _count;

    /// <summary>Frame caching each slot, or -1.</summary>
    private readonly int[] _cache;

    /// <summary>Free slots, as a stack.</summary>
    private readonly int[] _free;

    private int _freeCount;

    /// <summary>Slot data: one native block for the whole device, allocated on first write.</summary>
    private byte* _data;

    public SwapArea(PhysicalMemory memory, ulong bytes)
    {
        _memory = memory;
        Slots = (int)(bytes / PhysicalMemory.PageBytes);
        _count = new int[Slots];
        _cache = new int[Slots];
        Array.Fill(_cache, -1);
        _free = new int[Slots];
        for (var i = 0; i < Slots; i++)
        {
            _free[i] = Slots - 1 - i;
        }

        _freeCount = Slots;
    }

    /// <summary>Number of slots.</summary>
    public int Slots { get; }

    /// <summary>Slots in use.</summary>
    public int UsedSlots
    {
        get
        {
            lock (_lock)
            {
                return Slots - _freeCount;
            }
        }
    }

    /// <summary>Allocates a slot with one user and writes frame <paramref name="pfn"/>'s data into it.</summary>
    /// <returns>The slot, or -1 when the device is full.</returns>
    public int WriteOut(int pfn)
    {
        int slot;
        lock (_lock)
        {
            if (_freeCount == 0)
            {
                return -1;
            }

            slot = _free[--_freeCount];
            _count[slot] = 1;
            if (_data == null)
            {
                _data = (byte*)NativeMemory.Alloc((nuint)Slots * PhysicalMemory.PageBytes);
            }
        }

        Buffer.MemoryCopy(_memory.Data(pfn), _data + ((long)slot * PhysicalMemory.PageBytes), PhysicalMemory.PageBytes, PhysicalMemory.PageBytes);
        return slot;
    }

    /// <summary>
    /// Copies frame <paramref name="pfn"/>'s data into slot <paramref name="slot"/> again: reclaim
    /// does it once the last writable mapping is gone, so that stores made between
    /// <see cref="WriteOut"/> and the unmap are not lost.
    /// </summary>
    public void Store(int slot, int pfn) =>
        Buffer.MemoryCopy(_memory.Data(pfn), _data + ((long)slot * PhysicalMemory.PageBytes), PhysicalMemory.PageBytes, PhysicalMemory.PageBytes);

    /// <summary>Copies slot <paramref name="slot"/>'s data into frame <paramref name="pfn"/>.</summary>
    public void ReadIn(int slot, int pfn) =>
        Buffer.MemoryCopy(_data + ((long)slot * PhysicalMemory.PageBytes), _memory.Data(pfn), PhysicalMemory.PageBytes, PhysicalMemory.PageBytes);

    /// <summary>Adds a user to a slot (fork copies a swap PTE: swap_duplicate).</summary>
    public void Duplicate(int slot)
    {
        lock (_lock)
        {
            _count[slot]++;
        }
    }

    /// <summary>Drops a user of a slot (swap_free); the slot and any cached frame are released at zero.</summary>
    public void Free(int slot)
    {
        var cached = -1;
        lock (_lock)
        {
            if (--_count[slot] > 0)
            {
                return;
            }

            if (_count[slot] < 0)
            {
                throw new InvalidOperationException($"swap slot {slot} freed twice");
            }

            _free[_freeCount++] = slot;
            cached = _cache[slot];
            _cache[slot] = -1;
        }

        if (cached >= 0)
        {
            DropCachedFrame(cached);
        }
    }

    /// <summary>The frame caching <paramref name="slot"/> with a new reference, or -1.</summary>
    public int LookupCache(int slot)
    {
        lock (_lock)
        {
            var pfn = _cache[slot];
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
        lock (_lock)
        {
            if (_cache[slot] >= 0 || _count[slot] == 0)
            {
                return false;
            }

            _cache[slot] = pfn;
            ref var f = ref _memory.Frame(pfn);
            f.SwapSlot = slot;
            Interlocked.Or(ref f.Flags, (int)PageFlags.SwapCache);
            return true;
        }
    }

    /// <summary>True when the slot's data is also in a frame (mincore reports it resident).</summary>
    public bool IsCached(int slot)
    {
        lock (_lock)
        {
            return _cache[slot] >= 0;
        }
    }

    private void DropCachedFrame(int pfn)
    {
        ref var f = ref _memory.Frame(pfn);
        f.SwapSlot = -1;
        Interlocked.And(ref f.Flags, ~(int)PageFlags.SwapCache);
        _memory.Put(pfn);
    }

    public void Dispose()
    {
        if (_data != null)
        {
            NativeMemory.Free(_data);
            _data = null;
        }
    }
}
