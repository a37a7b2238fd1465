using BenchmarkDotNet.Attributes;
using Madvise.Kernel;
using Madvise.Kernel.Mm;
using static Madvise.Abi.MemoryAdvice;
using static Madvise.Abi.PageSize;

namespace Madvise.Bench.Mm;

/// <summary>
/// Issue 2: a write fault on a fresh anonymous page — the task's store misses the TLB, walks the
/// page table under the mmap read lock, allocates and zeroes a frame, maps it, adds it to the
/// LRU and caches the translation. Each invocation stores one byte into each of 65,536 pages
/// (256 MiB); the pages are made fresh again outside the timed part (iteration setup).
/// </summary>
/// <remarks>
/// Three variants: fresh pages after MADV_DONTNEED (frames freed, PTE tables kept), fresh pages
/// after munmap + mmap (the faults also allocate the PTE tables, one per 512 pages), and
/// <see cref="TouchResident"/>: the same loop over pages that are already mapped, a TLB miss
/// (64 entries cannot hold 65,536 pages) and a page-table walk with no fault — the part of a
/// fault's cost that is not the fault itself.
/// </remarks>
[MemoryDiagnoser]
[WarmupCount(IterationSetupWarmup.Count)]
[BenchmarkCategory(BenchmarkCategories.Mm)]
public class WriteFaultBenchmarks
{
    /// <summary>Pages touched per invocation (256 MiB).</summary>
    private const int Pages = 65536;

    /// <summary>The mapping's length.</summary>
    private const ulong Bytes = Pages * PAGE_SIZE;

    /// <summary>The kernel and process.</summary>
    private BenchProcess _process = null!;

    /// <summary>The process's address space.</summary>
    private MmStruct _mm = null!;

    /// <summary>Start of the 256 MiB mapping.</summary>
    private ulong _addr;

    [GlobalSetup]
    public void Setup()
    {
        _process = new BenchProcess(KernelProfile.PerVmaLock, 2 * Bytes);
        _mm = _process.Mm;
        _addr = _process.MapAnonymous(Bytes);
    }

    [GlobalCleanup]
    public void Cleanup() => _process.Dispose();

    /// <summary>Frees every page with MADV_DONTNEED; the PTE tables stay.</summary>
    [IterationSetup(Target = nameof(WriteFaultAfterDontNeed))]
    public void FreshByDontNeed() => _process.Advise(_addr, Bytes, MADV_DONTNEED);

    /// <summary>Unmaps and maps the range again; the PTE tables go too.</summary>
    [IterationSetup(Target = nameof(WriteFaultAfterRemap))]
    public void FreshByRemap()
    {
        _process.Unmap(_addr, Bytes);
        _addr = _process.MapAnonymous(Bytes);
    }

    /// <summary>Makes every page resident.</summary>
    [IterationSetup(Target = nameof(TouchResident))]
    public void MakeResident() => _process.TouchPages(_addr, Pages);

    /// <summary>One store into each fresh page whose PTE table exists: one write fault per page.</summary>
    [Benchmark(OperationsPerInvoke = Pages, Baseline = true)]
    public long WriteFaultAfterDontNeed() => StoreEveryPage();

    /// <summary>One store into each page of a new mapping: one write fault per page, one PTE table per 512.</summary>
    [Benchmark(OperationsPerInvoke = Pages)]
    public long WriteFaultAfterRemap() => StoreEveryPage();

    /// <summary>One store into each resident page: a TLB miss and page-table walk per page, no fault.</summary>
    [Benchmark(OperationsPerInvoke = Pages)]
    public long TouchResident() => StoreEveryPage();

    private long StoreEveryPage()
    {
        var mm = _mm;
        var addr = _addr;
        long stored = 0;
        for (var i = 0; i < Pages; i++)
        {
            stored += mm.FillUser(addr + ((ulong)i * PAGE_SIZE), 1, 1);
        }

        return stored;
    }
}
