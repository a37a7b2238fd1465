namespace Madvise.Kernel.Mm.Tlb;

/// <summary>
/// A TLB-flush batch (Linux: <c>struct mmu_gather</c>): collects the range whose translations
/// changed and the frames that may be freed only after every CPU has dropped them.
/// </summary>
/// <remarks>
/// <para>Zapping a PTE clears it under the page-table lock, then hands the frame to the gather
/// instead of freeing it. <see cref="Flush"/> invalidates the collected range on every CPU in
/// the mm's mask that needs it (<see cref="TlbFlush"/>) and only then drops the frames' references. One gather can span many
/// zaps: the series' follow-up (profile BatchedTlb) keeps one gather for a whole
/// process_madvise() vector, so the shootdown happens once instead of once per range.</para>
/// <para>A gather belongs to one thread for the duration of one operation; one instance per thread
/// is reused (<see cref="Rent"/>/<see cref="Return"/>) so the hot path does not allocate.</para>
/// </remarks>
internal sealed class TlbGather
{
    /// <summary>Frames held before a forced flush (Linux: MAX_GATHER_BATCH for a 4 KiB batch page).</summary>
    internal const int BatchCapacity = 508;

    [ThreadStatic]
    private static TlbGather? t_pool;

    /// <summary>Frames whose last reference from the zapped PTEs is dropped after the flush.</summary>
    private readonly int[] _pages = new int[BatchCapacity];

    /// <summary>The address space being changed; null while the gather is idle.</summary>
    private MmStruct? _mm;

    /// <summary>Number of valid entries in <see cref="_pages"/>.</summary>
    private int _pageCount;

    /// <summary>Lowest address whose translation changed since the last flush.</summary>
    private ulong _start = ulong.MaxValue;

    /// <summary>End of the highest changed page since the last flush.</summary>
    private ulong _end;

    /// <summary>The mm this gather is working on.</summary>
    public MmStruct Mm => _mm ?? throw new InvalidOperationException("TLB gather used outside Begin/Finish");

    /// <summary>True while a Begin has not been matched by Finish.</summary>
    public bool IsActive => _mm is not null;

    /// <summary>Takes the calling thread's pooled gather, started on <paramref name="mm"/> (tlb_gather_mmu).</summary>
    /// <remarks>
    /// The pooled instance stays in the thread-local slot while in use (<see cref="IsActive"/> marks
    /// it busy), so renting costs one thread-local read and returning none: thread-local accesses
    /// go through <c>__tls_get_addr</c> here, about 5 ns each. A nested rent gets a new instance.
    /// </remarks>
    public static TlbGather Rent(MmStruct mm)
    {
        var g = t_pool;
        if (g is null || g.IsActive)
        {
            g = new TlbGather();
            if (t_pool is null)
            {
                t_pool = g;
            }
        }

        g.Begin(mm);
        return g;
    }

    /// <summary>Finishes the gather (tlb_finish_mmu); the calling thread's pool keeps it.</summary>
    public static void Return(TlbGather gather) => gather.Finish();

    /// <summary>Starts collecting for <paramref name="mm"/>.</summary>
    public void Begin(MmStruct mm)
    {
        if (_mm is not null)
        {
            throw new InvalidOperationException("TLB gather begun twice");
        }

        _mm = mm;
        _pageCount = 0;
        _start = ulong.MaxValue;
        _end = 0;
        mm.IncTlbFlushPending();
    }

    /// <summary>Records that the translation of the page at <paramref name="addr"/> changed (tlb_remove_tlb_entry).</summary>
    public void AddRange(ulong addr, ulong size)
    {
        if (addr < _start)
        {
            _start = addr;
        }

        if (addr + size > _end)
        {
            _end = addr + size;
        }
    }

    /// <summary>
    /// Defers dropping one reference to <paramref name="pfn"/> until after the flush
    /// (tlb_remove_page). Flushes when the batch is full.
    /// </summary>
    public void RemovePage(int pfn)
    {
        _pages[_pageCount++] = pfn;
        if (_pageCount == BatchCapacity)
        {
            Flush();
        }
    }

    /// <summary>Invalidates the collected range on every CPU of the mm, then frees the collected frames (tlb_flush_mmu).</summary>
    public void Flush()
    {
        var mm = Mm;
        if (_end > _start || _pageCount > 0)
        {
            mm.Kernel.Faults.At(FaultPoint.GatherBeforeFlush);
        }

        if (_end > _start)
        {
            TlbFlush.FlushRange(mm, _start >> 12, (_end + 4095) >> 12);
            _start = ulong.MaxValue;
            _end = 0;
        }

        if (_pageCount > 0)
        {
            mm.Kernel.Memory.PutBatch(_pages.AsSpan(0, _pageCount));
            _pageCount = 0;
        }
    }

    /// <summary>
    /// Flushes what is pending and ends the gather (tlb_finish_mmu). When another gather on the
    /// mm is in progress, the whole address space is flushed: that one may have cleared PTEs in
    /// this range under a shared lock (a DONTNEED under the mmap read lock or a VMA lock, its
    /// flush deferred to the end of its vector) that this one then found empty and so did not
    /// record, and this caller must not return while a CPU still translates them.
    /// </summary>
    public void Finish()
    {
        if (_mm is not { } mm)
        {
            return;
        }

        if (mm.TlbFlushNested)
        {
            _start = 0;
            _end = mm.TaskSize;
        }

        Flush();
        mm.DecTlbFlushPending();
        _mm = null;
    }
}
