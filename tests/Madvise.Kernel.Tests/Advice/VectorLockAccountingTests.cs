using CsCheck;
using Madvise.Abi;
using Madvise.Kernel.Mm.Physical;
using Madvise.Kernel.Syscalls;
using Madvise.Kernel.Tasks;
using static Madvise.Abi.MemoryAdvice;
using static Madvise.Kernel.Tests.Concurrency.StressMappings;

namespace Madvise.Kernel.Tests.Advice;

/// <summary>
/// What one process_madvise() vector costs in mmap_lock acquisitions and TLB flushes under each
/// kernel profile — the quantity the series changes — counted exactly with the lock's statistics
/// and the kernel's counters on an otherwise idle process.
/// </summary>
/// <remarks>
/// <code>
///   one VMA:   [ r0 ] . [ r1 ] . [ r2 ] . ... [ rN-1 ] .      rK = P pages advised, . = a page left alone
///   two VMAs:  [ r0 ] . [ r1 ] . [ r2 | ] . [ r3 ] .          the range r2 runs into the second VMA
///              |<---- read-write ---->|<- read-only ->|
/// </code>
/// Every range is populated (young, dirty) before the call, so each range's zap or deactivation
/// changes translations and needs a flush of its own unless the TLB batch is shared. The iovec
/// array is read through the calling CPU's TLB (warmed first), as a copy_from_user that does
/// not fault: it takes no lock.
/// </remarks>
public sealed class VectorLockAccountingTests
{
    /// <summary>Property runs (MADV_STRESS makes more).</summary>
    private static readonly long Iterations = 60L * Shared.TestThreads.StressFactor;

    /// <summary>
    /// DONTNEED and COLD over N ranges of one VMA: the mmap_lock is taken N times before the
    /// series and once after it; with per-VMA locks DONTNEED takes none (COLD still takes it
    /// once). DONTNEED flushes once per vector when the TLB batch is shared (BatchedTlb and
    /// PerVmaLock, as in Linux 6.16+ where vector_madvise() initialises one mmu_gather for the
    /// vector), once per range otherwise; COLD flushes once per range everywhere.
    /// </summary>
    [Fact]
    public void VectorInOneVmaTakesTheLockAndFlushesAsTheProfileSays()
    {
        Gen.Select(Gen.Int[1, 32], Gen.Int[1, 4], Gen.Enum<KernelProfile>(), Gen.Bool)
            .Sample(
                (ranges, pages, profile, dontneed) =>
                {
                    var behavior = dontneed ? MADV_DONTNEED : MADV_COLD;
                    var (reads, writes, flushes, result) = RunVector(profile, behavior, ranges, pages, spanAt: -1);
                    Assert.Equal((long)ranges * pages * (long)Page, result);
                    Assert.Equal(0, writes);
                    Assert.Equal(ExpectedReads(profile, behavior, ranges, spans: false), reads);
                    Assert.Equal(ExpectedFlushes(profile, behavior, ranges, spans: false), flushes);
                },
                iter: Iterations,
                threads: 1);
    }

    /// <summary>
    /// Under PerVmaLock a DONTNEED range that does not lie inside one VMA falls back to the mmap
    /// read lock — once: the vector keeps it for its remaining ranges. The other profiles take
    /// the lock as in a single VMA; without a shared TLB batch the spanning range flushes once
    /// per VMA piece.
    /// </summary>
    [Fact]
    public void RangeSpanningTwoVmasFallsBackToTheMmapLockOnce()
    {
        Gen.Select(Gen.Int[1, 16], Gen.Int[2, 4], Gen.Enum<KernelProfile>(), Gen.Int[0, 1000])
            .Sample(
                (ranges, pages, profile, spanSeed) =>
                {
                    var spanAt = spanSeed % ranges;
                    var (reads, writes, flushes, result) = RunVector(profile, MADV_DONTNEED, ranges, pages, spanAt);
                    Assert.Equal((long)ranges * pages * (long)Page, result);
                    Assert.Equal(0, writes);
                    Assert.Equal(ExpectedReads(profile, MADV_DONTNEED, ranges, spans: true), reads);
                    Assert.Equal(ExpectedFlushes(profile, MADV_DONTNEED, ranges, spans: true), flushes);
                },
                iter: Iterations,
                threads: 1);
    }

    /// <summary>madvise(DONTNEED) under PerVmaLock: no mmap_lock inside one VMA, the read lock once across two.</summary>
    [Fact]
    public void MadviseDontNeedUsesTheVmaLockInsideOneVma()
    {
        using var kernel = new SimulatedKernel(new KernelConfig { Profile = KernelProfile.PerVmaLock });
        var task = kernel.CreateProcess();
        var mm = task.Mm!;
        var region = MapAnon(task, 8);
        Protect(task, region + (4 * Page), 4, Prot.PROT_READ);
        Assert.Equal(2, mm.MapCount);
        Assert.Equal((long)(4 * Page), mm.FillUser(region, 4 * Page, 1));

        mm.MmapLock.ResetStatistics();
        Assert.Equal(0, Sys.Madvise(task, region, 4 * Page, MADV_DONTNEED));
        Assert.Equal(0, mm.MmapLock.GetStatistics().ReadAcquisitions);

        mm.MmapLock.ResetStatistics();
        Assert.Equal(0, Sys.Madvise(task, region + (2 * Page), 4 * Page, MADV_DONTNEED));
        Assert.Equal(1, mm.MmapLock.GetStatistics().ReadAcquisitions);
        task.Exit();
    }

    /// <summary>Read acquisitions one vector of <paramref name="ranges"/> ranges takes.</summary>
    private static long ExpectedReads(KernelProfile profile, MemoryAdvice behavior, int ranges, bool spans) => profile switch
    {
        KernelProfile.PerRangeLock => ranges,
        KernelProfile.PerVmaLock when behavior == MADV_DONTNEED => spans ? 1 : 0,
        _ => 1,
    };

    /// <summary>
    /// TLB flushes one vector of <paramref name="ranges"/> populated ranges causes: one, or one per
    /// VMA piece — a range across two VMAs is zapped piece by piece, each with its own batch
    /// unless the vector shares one.
    /// </summary>
    private static long ExpectedFlushes(KernelProfile profile, MemoryAdvice behavior, int ranges, bool spans) =>
        behavior == MADV_DONTNEED && profile >= KernelProfile.BatchedTlb ? 1 : ranges + (spans ? 1 : 0);

    /// <summary>
    /// Builds the layout in a fresh kernel (two VMAs with range <paramref name="spanAt"/> running
    /// into the second, when it is not negative), populates every range, then counts one
    /// process_madvise call. Checks the advice's effect on the data: DONTNEED leaves zeros and
    /// keeps the untouched pages, COLD keeps everything.
    /// </summary>
    private static (long Reads, long Writes, long Flushes, long Result) RunVector(KernelProfile profile, MemoryAdvice behavior, int ranges, int pages, int spanAt)
    {
        using var kernel = new SimulatedKernel(new KernelConfig { Profile = profile, MemoryBytes = 64UL << 20 });
        var task = kernel.CreateProcess();
        var mm = task.Mm!;
        var stride = (ulong)pages + 1;
        var regionPages = (ulong)ranges * stride;
        var region = MapAnon(task, regionPages);
        var vec = MapAnon(task, 1);
        if (spanAt >= 0)
        {
            // The second VMA starts one page before range spanAt ends.
            var boundary = region + (((ulong)spanAt * stride) + (ulong)pages - 1) * Page;
            Protect(task, boundary, (region + (regionPages * Page) - boundary) / Page, Prot.PROT_READ | Prot.PROT_WRITE | Prot.PROT_EXEC);
            Assert.Contains(mm.VmaList(), v => v.Start == boundary);
        }

        Assert.Equal((long)(regionPages * Page), mm.FillUser(region, regionPages * Page, 0xC3));
        var iovecs = new IoVec[ranges];
        for (var i = 0; i < ranges; i++)
        {
            iovecs[i] = new IoVec(region + ((ulong)i * stride * Page), (ulong)pages * Page);
        }

        // The last access before the call: the iovec page's translation is in this CPU's TLB.
        WriteIovecs(task, vec, iovecs);
        mm.MmapLock.ResetStatistics();
        kernel.Stats.Reset();
        var result = ProcessMadviseSelf(task, vec, ranges, behavior);
        var stats = mm.MmapLock.GetStatistics();
        var flushes = kernel.Stats.TlbFlushes;

        var page = new byte[Page];
        for (var p = 0UL; p < regionPages; p++)
        {
            Assert.Equal((long)Page, mm.ReadUser(region + (p * Page), page));
            var advised = p % stride != (ulong)pages;
            var expected = behavior == MADV_DONTNEED && advised ? (byte)0 : (byte)0xC3;
            Assert.True(page.AsSpan().IndexOfAnyExcept(expected) < 0, $"page {p} does not hold {expected:x2} after advice {behavior}");
        }

        mm.AssertInvariants();
        task.Exit();
        AssertAllMemoryBack(kernel, "after exit");
        return (stats.ReadAcquisitions, stats.WriteAcquisitions, flushes, result);
    }
}
