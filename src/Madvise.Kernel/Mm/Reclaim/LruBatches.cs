using Madvise.Kernel.Mm.Physical;
using Madvise.Kernel.Mm.Tlb;

namespace Madvise.Kernel.Mm.Reclaim;

// Linux: mm/swap.c folio_batch_add_and_move(), folio_batch_move_lru(), folio_mark_lazyfree(),
// folio_deactivate(), lru_add_drain(), lru_add_drain_all().

/// <summary>
/// The per-CPU folio batches of one kernel: MADV_FREE's lazy-free and MADV_COLD's deactivation do
/// not move a frame at once but queue it on the calling CPU's batch (<see cref="CpuFolioBatches"/>),
/// which applies the operation when it fills (<see cref="FolioBatch.Size"/> frames) or when the
/// kernel drains it (<see cref="Drain"/>, lru_add_drain(), at the start of FREE, COLD, PAGEOUT,
/// WILLNEED, after populating, around mlock, in a copy-on-write fault of a frame off the LRU;
/// <see cref="DrainAll"/>, lru_add_drain_all(), before MADV_COLLAPSE and memory failure).
/// </summary>
/// <remarks>
/// <para>What a waiting frame shows, as on Linux 6.18: it stays on its list with
/// <see cref="PageFlags.Lru"/> set (the flag is cleared only while the drain moves it), its
/// flags are unchanged (a FREE'd page is not yet lazy-free: smaps LazyFree does not count it),
/// and the batch holds a reference on it (<see cref="PageFrame.RefCount"/>, also counted in
/// <see cref="PageFrame.BatchRefs"/>). That reference is what a copy-on-write or unshare fault
/// sees: a page that is not exclusively the faulting mapping's is copied rather than reused
/// while a batch holds it. A frame isolated or freed of its other users meanwhile is skipped
/// at the drain, which then drops the last reference.</para>
/// <para>A simulated CPU is an OS thread (<see cref="SimCpu"/>); the batches are per kernel and
/// per CPU, created the first time a CPU queues a frame in this kernel. The scenario runners run
/// every task of a scenario on one thread, as the host runner pins itself to one CPU.</para>
/// <para>Not modelled: the lru_add batch (a new page joins its list at once), lru_activate
/// (folio_mark_accessed() only sets PG_referenced), lru_move_tail, lru_deactivate_file and
/// the mlock batch.</para>
/// </remarks>
internal sealed class LruBatches
{
    private readonly PhysicalMemory _memory;

    private readonly Lru _lru;

    /// <summary>Batches by <see cref="SimCpu.Id"/>; null for a CPU that never queued here. Replaced (grown) copy-on-write with a compare-exchange; never shrinks.</summary>
    private CpuFolioBatches?[] _perCpu = new CpuFolioBatches?[4];

    public LruBatches(PhysicalMemory memory, Lru lru)
    {
        _memory = memory;
        _lru = lru;
    }

    /// <summary>
    /// folio_mark_lazyfree(): queues an anonymous, swap-backed, evictable frame on the LRU for
    /// the lazy-free batch; at the drain it loses <see cref="PageFlags.SwapBacked"/> and moves to
    /// the inactive file list. Anything else is left alone.
    /// </summary>
    public void MarkLazyFree(int pfn)
    {
        var flags = (PageFlags)Volatile.Read(ref _memory.Frame(pfn).Flags);
        if ((flags & (PageFlags.Anon | PageFlags.SwapBacked | PageFlags.Lru)) != (PageFlags.Anon | PageFlags.SwapBacked | PageFlags.Lru)
            || (flags & (PageFlags.SwapCache | PageFlags.Unevictable | PageFlags.Mlocked)) != 0)
        {
            return;
        }

        Queue(LruBatchKind.LazyFree, pfn, flags);
    }

    /// <summary>folio_deactivate(): queues an active, evictable frame on the LRU for the deactivate batch; at the drain it moves to the inactive list.</summary>
    public void Deactivate(int pfn)
    {
        var flags = (PageFlags)Volatile.Read(ref _memory.Frame(pfn).Flags);
        if ((flags & (PageFlags.Unevictable | PageFlags.Lru | PageFlags.Active)) != (PageFlags.Lru | PageFlags.Active))
        {
            return;
        }

        Queue(LruBatchKind.Deactivate, pfn, flags);
    }

    /// <summary>lru_add_drain(): applies and empties every batch of the calling CPU.</summary>
    public void Drain()
    {
        var cpu = SimCpu.Current.Id;
        var all = Volatile.Read(ref _perCpu);
        if (cpu < all.Length && all[cpu] is { } batches)
        {
            DrainCpu(batches);
        }
    }

    /// <summary>
    /// lru_add_drain_all(): applies and empties every CPU's batches (Linux runs each CPU's drain on
    /// that CPU and waits; here the caller runs them). Also what an audit calls before it counts
    /// frames: afterwards no batch holds a reference, unless another thread queues meanwhile.
    /// </summary>
    public void DrainAll()
    {
        foreach (var batches in Volatile.Read(ref _perCpu))
        {
            if (batches is not null && !batches.IsEmpty)
            {
                DrainCpu(batches);
            }
        }
    }

    /// <summary>Calls <paramref name="visit"/> for every frame some CPU's batch holds, once per entry (audits; <paramref name="visit"/> must take no lock).</summary>
    internal void ForEachQueued(Action<LruBatchKind, int> visit)
    {
        foreach (var batches in Volatile.Read(ref _perCpu))
        {
            batches?.ForEachQueued(visit);
        }
    }

    /// <summary>folio_batch_add_and_move(): takes the batch's reference, queues, and applies the batch if it is full or the frame is large.</summary>
    private void Queue(LruBatchKind kind, int pfn, PageFlags flags)
    {
        ref var frame = ref _memory.Frame(pfn);
        _memory.Get(pfn);
        Interlocked.Increment(ref frame.BatchRefs);

        // folio_may_be_lru_cached(): a large folio is never left waiting.
        var large = (flags & PageFlags.AnonLarge) != 0;
        Span<int> flush = stackalloc int[FolioBatch.Size];
        var n = ForCpu(SimCpu.Current.Id).Add(kind, pfn, large, flush);
        if (n > 0)
        {
            Move(kind, flush[..n]);
        }
    }

    private void DrainCpu(CpuFolioBatches batches)
    {
        Span<int> taken = stackalloc int[FolioBatch.Size];
        for (var kind = 0; kind < CpuFolioBatches.KindCount; kind++)
        {
            var n = batches.Take((LruBatchKind)kind, taken);
            if (n > 0)
            {
                Move((LruBatchKind)kind, taken[..n]);
            }
        }
    }

    /// <summary>
    /// folio_batch_move_lru(): applies <paramref name="kind"/> to the frames under one LRU lock
    /// acquisition, then drops the batch's references (folios_put()) — also when the move fails
    /// (an oops at a fault point): the entries are out of the batch, and nothing else would drop them.
    /// </summary>
    private void Move(LruBatchKind kind, ReadOnlySpan<int> pfns)
    {
        try
        {
            _lru.MoveBatch(kind, pfns);
        }
        finally
        {
            foreach (var pfn in pfns)
            {
                Interlocked.Decrement(ref _memory.Frame(pfn).BatchRefs);
            }

            _memory.PutBatch(pfns);
        }
    }

    /// <summary>The batches of CPU <paramref name="cpu"/> in this kernel, created on its first use (not a hot path: once per CPU and kernel).</summary>
    private CpuFolioBatches ForCpu(int cpu)
    {
        while (true)
        {
            var all = Volatile.Read(ref _perCpu);
            if (cpu < all.Length && all[cpu] is { } existing)
            {
                return existing;
            }

            var grown = new CpuFolioBatches?[cpu < all.Length ? all.Length : Math.Max(all.Length * 2, cpu + 1)];
            Array.Copy(all, grown, all.Length);
            var created = new CpuFolioBatches();
            grown[cpu] = created;
            if (ReferenceEquals(Interlocked.CompareExchange(ref _perCpu, grown, all), all))
            {
                return created;
            }
        }
    }
}
