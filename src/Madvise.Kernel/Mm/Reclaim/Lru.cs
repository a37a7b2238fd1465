using Madvise.Kernel.Mm.Locking;
using Madvise.Kernel.Mm.Physical;

namespace Madvise.Kernel.Mm.Reclaim;

/// <summary>
/// The LRU lists (Linux: a node's <c>lruvec</c>): which frames are hot and which reclaim
/// should look at first.
/// </summary>
/// <remarks>
/// Intrusive doubly-linked lists through <see cref="PageFrame.LruPrev"/>/<see cref="PageFrame.LruNext"/>,
/// so adding, removing and moving a frame is O(1). Membership does not hold a reference:
/// freeing a frame takes it off its list. <see cref="_lruLock"/> (lru_lock) protects the links,
/// heads, counts and the Lru/Active/Unevictable flags; it is a leaf lock taken inside
/// page-table locks.
/// </remarks>
internal sealed class Lru
{
    private const int ListCount = 5;

    /// <summary>Bits of <see cref="PageFrame.Flags"/> that record which list the frame is on.</summary>
    private const int ListBitsShift = 24;

    private const int ListBitsMask = 0b111 << ListBitsShift;

    private readonly PhysicalMemory _memory;

    /// <summary>Protects every list (Linux: lruvec-&gt;lru_lock, a spinlock). Leaf lock (<see cref="LockClass.Lru"/>).</summary>
    private readonly Spinlock _lruLock = new(LockClass.Lru);

    /// <summary>First (most recently added) frame of each list, or -1.</summary>
    private readonly int[] _head = [-1, -1, -1, -1, -1];

    /// <summary>Last (oldest) frame of each list, or -1.</summary>
    private readonly int[] _tail = [-1, -1, -1, -1, -1];

    /// <summary>Length of each list.</summary>
    private readonly long[] _count = new long[ListCount];

    /// <summary>The kernel's fault points (tests).</summary>
    private readonly FaultInjector _faults;

    public Lru(PhysicalMemory memory, FaultInjector faults)
    {
        _memory = memory;
        _faults = faults;
    }

    /// <summary>Length of <paramref name="list"/>.</summary>
    public long Count(LruList list)
    {
        using (_lruLock.EnterScope())
        {
            return _count[(int)list];
        }
    }

    /// <summary>The list a frame with <paramref name="flags"/> belongs on (folio_lru_list).</summary>
    public static LruList ListFor(PageFlags flags)
    {
        if ((flags & (PageFlags.Unevictable | PageFlags.Mlocked)) != 0)
        {
            return LruList.Unevictable;
        }

        var file = (flags & PageFlags.SwapBacked) == 0;
        var active = (flags & PageFlags.Active) != 0;
        return file ? (active ? LruList.ActiveFile : LruList.InactiveFile) : (active ? LruList.ActiveAnon : LruList.InactiveAnon);
    }

    /// <summary>
    /// Walks every list and throws at the first broken rule: links agree in both directions and
    /// with the heads, tails and counts; every frame on a list has <see cref="PageFlags.Lru"/>,
    /// records that list, and is not free (tests; takes the lock).
    /// </summary>
    internal void AssertConsistent()
    {
        using (_lruLock.EnterScope())
        {
            for (var l = 0; l < ListCount; l++)
            {
                long n = 0;
                var prev = -1;
                for (var pfn = _head[l]; pfn >= 0; pfn = _memory.Frame(pfn).LruNext)
                {
                    ref var f = ref _memory.Frame(pfn);
                    var flags = Volatile.Read(ref f.Flags);
                    if ((flags & (int)PageFlags.Lru) == 0 || (flags & (int)PageFlags.Free) != 0
                        || ((flags & ListBitsMask) >> ListBitsShift) != l || f.LruPrev != prev)
                    {
                        throw new InvalidOperationException($"LRU list {(LruList)l}: frame {pfn} (flags {(PageFlags)(flags & ~ListBitsMask)}, prev {f.LruPrev}, expected {prev}) does not belong there");
                    }

                    if (++n > _count[l])
                    {
                        throw new InvalidOperationException($"LRU list {(LruList)l}: more frames linked than its count {_count[l]} (a cycle?)");
                    }

                    prev = pfn;
                }

                if (n != _count[l] || prev != _tail[l])
                {
                    throw new InvalidOperationException($"LRU list {(LruList)l}: {n} frames linked, count {_count[l]}, last {prev}, tail {_tail[l]}");
                }
            }
        }
    }

    /// <summary>Puts a frame that is on no list onto the list its flags select (folio_add_lru).</summary>
    public void Add(int pfn)
    {
        using (_lruLock.EnterScope())
        {
            ref var f = ref _memory.Frame(pfn);
            if ((f.Flags & (int)PageFlags.Lru) != 0)
            {
                return;
            }

            LinkLocked(pfn, ref f, ListFor((PageFlags)f.Flags));
        }
    }

    /// <summary>Puts <paramref name="count"/> frames from <paramref name="first"/> (a new huge page's) on their lists under one lock acquisition.</summary>
    public void AddRange(int first, int count)
    {
        using (_lruLock.EnterScope())
        {
            for (var pfn = first; pfn < first + count; pfn++)
            {
                ref var f = ref _memory.Frame(pfn);
                if ((f.Flags & (int)PageFlags.Lru) == 0)
                {
                    LinkLocked(pfn, ref f, ListFor((PageFlags)f.Flags));
                }
            }
        }
    }

    /// <summary>Takes a frame off its list, if it is on one.</summary>
    public void Remove(int pfn)
    {
        using (_lruLock.EnterScope())
        {
            ref var f = ref _memory.Frame(pfn);
            if ((f.Flags & (int)PageFlags.Lru) != 0)
            {
                UnlinkLocked(pfn, ref f);
            }
        }
    }

    /// <summary>
    /// Takes every frame of <paramref name="pfns"/> that is on a list off it, under one acquisition
    /// of the lock (Linux: folios_put_refs() keeps the lruvec lock across a batch of folios whose
    /// last reference it drops). Precondition: no frame of the batch can be added to a list
    /// meanwhile (their last reference is gone).
    /// </summary>
    public void RemoveBatch(ReadOnlySpan<int> pfns)
    {
        using (_lruLock.EnterScope())
        {
            foreach (var pfn in pfns)
            {
                ref var f = ref _memory.Frame(pfn);
                if ((f.Flags & (int)PageFlags.Lru) != 0)
                {
                    UnlinkLocked(pfn, ref f);
                }
            }
        }
    }

    /// <summary>
    /// Atomically changes a frame's LRU-relevant flags and moves it to the list they select
    /// (folio_deactivate, folio_mark_lazyfree, mlock/munlock). A frame that is on no list only
    /// gets its flags changed.
    /// </summary>
    public void Update(int pfn, PageFlags set, PageFlags clear)
    {
        using (_lruLock.EnterScope())
        {
            _faults.At(FaultPoint.LruLocked);
            UpdateLocked(pfn, set, clear);
        }
    }

    /// <summary>
    /// mlock_folio(): one more PTE of a VM_LOCKED VMA maps the frame; the first makes it
    /// unevictable. Called under the PTE lock of that mapping.
    /// </summary>
    public void Mlock(int pfn)
    {
        using (_lruLock.EnterScope())
        {
            if (_memory.Frame(pfn).MlockCount++ == 0)
            {
                UpdateLocked(pfn, PageFlags.Mlocked, 0);
            }
        }
    }

    /// <summary>
    /// munlock_folio(): a PTE of a VM_LOCKED VMA stopped mapping the frame (munlock, unmap, a
    /// copy-on-write break); the last makes it evictable again. Called under the PTE lock of
    /// that mapping.
    /// </summary>
    public void Munlock(int pfn)
    {
        using (_lruLock.EnterScope())
        {
            ref var f = ref _memory.Frame(pfn);
            if (f.MlockCount <= 0)
            {
                throw new InvalidOperationException($"frame {pfn} munlocked more often than mlocked");
            }

            if (--f.MlockCount == 0)
            {
                UpdateLocked(pfn, 0, PageFlags.Mlocked);
            }
        }
    }

    /// <summary>
    /// The move functions of folio_batch_move_lru() for a drained batch, under one acquisition of
    /// the lock: a frame no longer on a list (isolated, or freed of its other users) is skipped;
    /// lru_lazyfree() makes an anonymous, swap-backed, evictable frame not in the swap cache
    /// lazy-free (inactive, unreferenced, not swap-backed: the inactive file list);
    /// lru_deactivate() moves an active evictable frame to the head of its inactive list. The
    /// conditions are checked again here: the frame may have changed while it waited.
    /// </summary>
    public void MoveBatch(LruBatchKind kind, ReadOnlySpan<int> pfns)
    {
        using (_lruLock.EnterScope())
        {
            _faults.At(FaultPoint.LruLocked);
            foreach (var pfn in pfns)
            {
                var flags = (PageFlags)Volatile.Read(ref _memory.Frame(pfn).Flags);
                if ((flags & PageFlags.Lru) == 0 || (flags & (PageFlags.Unevictable | PageFlags.Mlocked)) != 0)
                {
                    continue;
                }

                if (kind == LruBatchKind.LazyFree)
                {
                    if ((flags & (PageFlags.Anon | PageFlags.SwapBacked)) == (PageFlags.Anon | PageFlags.SwapBacked) && (flags & PageFlags.SwapCache) == 0)
                    {
                        UpdateLocked(pfn, 0, PageFlags.SwapBacked | PageFlags.Active | PageFlags.Referenced);
                    }
                }
                else if ((flags & PageFlags.Active) != 0)
                {
                    UpdateLocked(pfn, 0, PageFlags.Active | PageFlags.Referenced);
                }
            }
        }
    }

    private void UpdateLocked(int pfn, PageFlags set, PageFlags clear)
    {
        ref var f = ref _memory.Frame(pfn);
        var onLru = (f.Flags & (int)PageFlags.Lru) != 0;
        if (onLru)
        {
            UnlinkLocked(pfn, ref f);
        }

        Interlocked.And(ref f.Flags, ~(int)clear);
        Interlocked.Or(ref f.Flags, (int)set);
        if (onLru)
        {
            LinkLocked(pfn, ref f, ListFor((PageFlags)f.Flags));
        }
    }

    /// <summary>
    /// Takes up to <paramref name="into"/>.Length frames from the oldest end of
    /// <paramref name="list"/>, each with a new reference, off the LRU (isolate_lru_folios).
    /// Frames whose last reference is being dropped are skipped.
    /// </summary>
    public int Isolate(LruList list, Span<int> into)
    {
        var n = 0;
        using (_lruLock.EnterScope())
        {
            var pfn = _tail[(int)list];
            while (pfn >= 0 && n < into.Length)
            {
                ref var f = ref _memory.Frame(pfn);
                var prev = f.LruPrev;
                if (TryGetUnlessZero(ref f.RefCount))
                {
                    UnlinkLocked(pfn, ref f);
                    into[n++] = pfn;
                }

                pfn = prev;
            }
        }

        return n;
    }

    private static bool TryGetUnlessZero(ref int refCount)
    {
        var c = Volatile.Read(ref refCount);
        while (c > 0)
        {
            var seen = Interlocked.CompareExchange(ref refCount, c + 1, c);
            if (seen == c)
            {
                return true;
            }

            c = seen;
        }

        return false;
    }

    private void LinkLocked(int pfn, ref PageFrame f, LruList list)
    {
        var l = (int)list;
        f.LruPrev = -1;
        f.LruNext = _head[l];
        if (_head[l] >= 0)
        {
            _memory.Frame(_head[l]).LruPrev = pfn;
        }
        else
        {
            _tail[l] = pfn;
        }

        _head[l] = pfn;
        _count[l]++;

        // Remember which list the frame is on in the flag word, so that unlinking finds the
        // right head/tail even if other flag bits changed in between.
        var flags = PageFlags.Lru | (list == LruList.Unevictable ? PageFlags.Unevictable : 0);
        var oldFlags = Volatile.Read(ref f.Flags);
        while (true)
        {
            var next = (oldFlags & ~ListBitsMask) | (int)flags | (l << ListBitsShift);
            var seen = Interlocked.CompareExchange(ref f.Flags, next, oldFlags);
            if (seen == oldFlags)
            {
                break;
            }

            oldFlags = seen;
        }
    }

    private void UnlinkLocked(int pfn, ref PageFrame f)
    {
        var l = (Volatile.Read(ref f.Flags) & ListBitsMask) >> ListBitsShift;

        if (f.LruPrev >= 0)
        {
            _memory.Frame(f.LruPrev).LruNext = f.LruNext;
        }
        else
        {
            _head[l] = f.LruNext;
        }

        if (f.LruNext >= 0)
        {
            _memory.Frame(f.LruNext).LruPrev = f.LruPrev;
        }
        else
        {
            _tail[l] = f.LruPrev;
        }

        f.LruPrev = f.LruNext = -1;
        _count[l]--;
        Interlocked.And(ref f.Flags, ~(int)(PageFlags.Lru | PageFlags.Unevictable));
    }
}
