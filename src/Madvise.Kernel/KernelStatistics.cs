namespace Madvise.Kernel;

/// <summary>
/// Kernel-wide event counters (Linux: /proc/vmstat). Every counter is updated with an atomic
/// add by the code path that does the work, so differences between profiles show up here.
/// </summary>
public sealed class KernelStatistics
{
    private long _tlbFlushes;
    private long _tlbCpuFlushes;
    private long _tlbRemoteFlushes;
    private long _pageFaults;
    private long _cowFaults;
    private long _pagesZapped;
    private long _swapOuts;
    private long _swapIns;
    private long _pagesReclaimed;
    private long _lazyFreed;
    private long _vectorRetries;
    private long _thpFaultAlloc;
    private long _thpFaultFallback;
    private long _thpSplitPmd;
    private long _thpCollapseAlloc;

    /// <summary>TLB shootdowns (one per flush of a gather that had changed translations).</summary>
    public long TlbFlushes => Interlocked.Read(ref _tlbFlushes);

    /// <summary>CPUs those shootdowns ran flush_tlb_func on (the initiator included).</summary>
    public long TlbCpuFlushes => Interlocked.Read(ref _tlbCpuFlushes);

    /// <summary>Of those, CPUs other than the initiator (Linux: the TLB shootdown IPIs of /proc/interrupts).</summary>
    public long TlbRemoteFlushes => Interlocked.Read(ref _tlbRemoteFlushes);

    /// <summary>Page faults handled (the TLB and page table did not allow the access).</summary>
    public long PageFaults => Interlocked.Read(ref _pageFaults);

    /// <summary>Copy-on-write breaks.</summary>
    public long CowFaults => Interlocked.Read(ref _cowFaults);

    /// <summary>Present PTEs cleared by zap (munmap, DONTNEED, ...).</summary>
    public long PagesZapped => Interlocked.Read(ref _pagesZapped);

    /// <summary>Anonymous pages written to swap.</summary>
    public long SwapOuts => Interlocked.Read(ref _swapOuts);

    /// <summary>Pages read back from swap.</summary>
    public long SwapIns => Interlocked.Read(ref _swapIns);

    /// <summary>Pages freed by reclaim (PAGEOUT, memory pressure).</summary>
    public long PagesReclaimed => Interlocked.Read(ref _pagesReclaimed);

    /// <summary>Lazy-free pages discarded by reclaim.</summary>
    public long LazyFreed => Interlocked.Read(ref _lazyFreed);

    /// <summary>process_madvise() ranges retried after a race-caused restart (unlock, relock, retry).</summary>
    public long VectorRetries => Interlocked.Read(ref _vectorRetries);

    /// <summary>Huge pages allocated and mapped by a fault (vmstat thp_fault_alloc).</summary>
    public long ThpFaultAlloc => Interlocked.Read(ref _thpFaultAlloc);

    /// <summary>Huge faults that fell back to 4 KiB pages for want of a free 2 MiB block (thp_fault_fallback).</summary>
    public long ThpFaultFallback => Interlocked.Read(ref _thpFaultFallback);

    /// <summary>Huge entries split into 512 PTEs, or for a file unmapped, because an operation covered part of them (thp_split_pmd).</summary>
    public long ThpSplitPmd => Interlocked.Read(ref _thpSplitPmd);

    /// <summary>Huge pages built by MADV_COLLAPSE (thp_collapse_alloc).</summary>
    public long ThpCollapseAlloc => Interlocked.Read(ref _thpCollapseAlloc);

    internal void RecordThpFaultAlloc() => Interlocked.Increment(ref _thpFaultAlloc);

    internal void RecordThpFaultFallback() => Interlocked.Increment(ref _thpFaultFallback);

    internal void RecordThpSplitPmd() => Interlocked.Increment(ref _thpSplitPmd);

    internal void RecordThpCollapseAlloc() => Interlocked.Increment(ref _thpCollapseAlloc);

    internal void RecordTlbFlush(int cpus, int remote)
    {
        Interlocked.Increment(ref _tlbFlushes);
        Interlocked.Add(ref _tlbCpuFlushes, cpus);
        if (remote > 0)
        {
            Interlocked.Add(ref _tlbRemoteFlushes, remote);
        }
    }

    internal void RecordFault() => Interlocked.Increment(ref _pageFaults);

    internal void RecordCow() => Interlocked.Increment(ref _cowFaults);

    internal void RecordZapped(long pages) => Interlocked.Add(ref _pagesZapped, pages);

    internal void RecordSwapOut() => Interlocked.Increment(ref _swapOuts);

    internal void RecordSwapIn() => Interlocked.Increment(ref _swapIns);

    internal void RecordReclaimed(long pages) => Interlocked.Add(ref _pagesReclaimed, pages);

    internal void RecordLazyFreed() => Interlocked.Increment(ref _lazyFreed);

    internal void RecordLazyFreed(long pages) => Interlocked.Add(ref _lazyFreed, pages);

    internal void RecordVectorRetry() => Interlocked.Increment(ref _vectorRetries);

    /// <summary>Zeroes every counter.</summary>
    public void Reset()
    {
        _tlbFlushes = _tlbCpuFlushes = _pageFaults = _cowFaults = _pagesZapped = 0;
        _swapOuts = _swapIns = _pagesReclaimed = _lazyFreed = _vectorRetries = 0;
        _thpFaultAlloc = _thpFaultFallback = _thpSplitPmd = _thpCollapseAlloc = 0;
        Interlocked.MemoryBarrier();
    }
}
