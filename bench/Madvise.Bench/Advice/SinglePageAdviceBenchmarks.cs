using BenchmarkDotNet.Attributes;
using Madvise.Kernel;
using Madvise.Kernel.Syscalls;
using Madvise.Kernel.Tasks;
using static Madvise.Abi.MemoryAdvice;
using static Madvise.Abi.PageSize;

namespace Madvise.Bench.Advice;

/// <summary>
/// Issue 3: madvise() of one resident 4 KiB page from a single thread — the whole system call:
/// argument checks, the lock round trip (mmap_lock, or the VMA lock under PerVmaLock), the
/// behaviour and its TLB flush.
/// </summary>
/// <remarks>
/// Each invocation advises each of <see cref="Pages"/> distinct resident, dirty, young pages
/// once. Re-populating them is NOT timed: the iteration setup (outside the measurement) first
/// drops every page with MADV_DONTNEED and then stores into each one again, so every timed call
/// finds a freshly faulted page, whatever the behaviour did to it in the previous iteration.
/// madvise() is the same code in PerRangeLock, BatchedLock and BatchedTlb; PerVmaLock takes the
/// VMA lock instead of the mmap_lock for DONTNEED and FREE.
/// </remarks>
[MemoryDiagnoser]
[WarmupCount(IterationSetupWarmup.Count)]
[BenchmarkCategory(BenchmarkCategories.Advice, BenchmarkCategories.Uncontended)]
public class SinglePageAdviceBenchmarks
{
    /// <summary>Calls per invocation, one per page (64 MiB).</summary>
    private const int Pages = 16384;

    /// <summary>The mapping's length.</summary>
    private const ulong Bytes = Pages * PAGE_SIZE;

    /// <summary>The kernel and process.</summary>
    private BenchProcess _process = null!;

    /// <summary>The calling task.</summary>
    private TaskStruct _task = null!;

    /// <summary>Start of the mapping.</summary>
    private ulong _addr;

    /// <summary>The MADV_* value of <see cref="Advice"/>.</summary>
    private MemoryAdvice _behavior;

    /// <summary>The behaviour advised.</summary>
    [Params("DONTNEED", "FREE", "COLD")]
    public string Advice { get; set; } = "DONTNEED";

    /// <summary>The kernel's locking design.</summary>
    [Params(KernelProfile.PerRangeLock, KernelProfile.PerVmaLock)]
    public KernelProfile Profile { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        if (!MemoryAdviceNames.TryParse(Advice, out _behavior))
        {
            throw new ArgumentException($"unknown behaviour {Advice}");
        }

        _process = new BenchProcess(Profile, 2 * Bytes);
        _task = _process.Task;
        _addr = _process.MapAnonymous(Bytes);
    }

    [GlobalCleanup]
    public void Cleanup() => _process.Dispose();

    /// <summary>Drops every page and faults it in again by a store: resident, dirty and young.</summary>
    [IterationSetup]
    public void Repopulate()
    {
        _process.Advise(_addr, Bytes, MADV_DONTNEED);
        _process.TouchPages(_addr, Pages);
    }

    /// <summary>madvise(page, 4096, behaviour) on each page once.</summary>
    [Benchmark(OperationsPerInvoke = Pages)]
    public long MadviseOnePage()
    {
        var task = _task;
        var addr = _addr;
        var behavior = _behavior;
        long sum = 0;
        for (var i = 0; i < Pages; i++)
        {
            sum += Sys.Madvise(task, addr + ((ulong)i * PAGE_SIZE), PAGE_SIZE, behavior);
        }

        return sum;
    }
}
