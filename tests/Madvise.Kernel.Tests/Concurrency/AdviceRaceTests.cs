using Madvise.Abi;
using Madvise.Kernel.Mm.Physical;
using Madvise.Kernel.Syscalls;
using Madvise.Kernel.Tests.Shared;
using Xunit.Abstractions;
using static Madvise.Abi.MemoryAdvice;
using static Madvise.Kernel.Tests.Concurrency.StressMappings;

namespace Madvise.Kernel.Tests.Concurrency;

/// <summary>
/// Stores and loads racing madvise() and process_madvise() on the same pages, and memory
/// pressure (<see cref="SimulatedKernel.Reclaim"/>), under every kernel profile.
/// </summary>
/// <remarks>
/// <code>
///   R (48 pages):  0 1 0 1 0 1 ...   page p owned by writer p % 2 (it alone stores there)
///   V (1 page):    the iovec arrays of the vector adviser
/// </code>
/// With discarding advice (DONTNEED, FREE) every byte must be the last one stored there or
/// zero; with advice that must keep the data (COLD, PAGEOUT to swap, WILLNEED, reclaim) every
/// byte must be exactly the last one stored. Either way: no frame leaked or freed twice (a
/// reference count going negative throws on the worker and fails the test), the invariants
/// hold, and after exit every frame and swap slot is back.
/// </remarks>
[Collection(StressCollection.Name)]
public sealed class AdviceRaceTests(ITestOutputHelper output)
{
    /// <summary>Writer threads.</summary>
    private const int Writers = 2;

    /// <summary>Pages of region R.</summary>
    private const int RegionPages = 48;

    public static TheoryData<KernelProfile> Profiles => new(Enum.GetValues<KernelProfile>());

    [Theory]
    [MemberData(nameof(Profiles))]
    public void DiscardingAdviceLeavesTheLastStoreOrZero(KernelProfile profile) => Race(profile, discarding: true);

    [Theory]
    [MemberData(nameof(Profiles))]
    public void PreservingAdviceAndReclaimLoseNoStore(KernelProfile profile) => Race(profile, discarding: false);

    private void Race(KernelProfile profile, bool discarding)
    {
        var factor = TestThreads.StressFactor;
        using var kernel = new SimulatedKernel(new KernelConfig { Profile = profile, MemoryBytes = 64UL << 20, SwapBytes = 16UL << 20 });
        var task = kernel.CreateProcess();
        var mm = task.Mm!;
        var region = MapAnon(task, RegionPages);
        var vec = MapAnon(task, 1);

        var run = new StressRun();
        var pages = new StressPage[Writers][];
        var dropped = new long[Writers];
        for (var t = 0; t < Writers; t++)
        {
            var me = t;
            var mine = pages[t] = new StressPage[RegionPages / Writers];
            for (var i = 0; i < mine.Length; i++)
            {
                mine[i] = new StressPage(region + ((ulong)((i * Writers) + t) * Page));
            }

            var scratch = new byte[StressPage.Size];
            long sequence = 0;
            run.Add($"writer {me}", 300L * factor, w =>
            {
                var page = mine[w.Random.Next(mine.Length)];
                var offset = w.Random.Next(StressPage.Size);
                var length = w.Random.Next(1, StressPage.Size - offset + 1);
                Assert.Equal(length, page.Write(mm, me, ++sequence, offset, length, scratch));
                if (discarding)
                {
                    var zeroed = page.VerifyExpectedOrZero(mm, scratch, w.Seed);
                    Assert.True(zeroed >= 0, "a load from R faulted");
                    Interlocked.Add(ref dropped[me], zeroed);
                }
                else
                {
                    Assert.True(page.VerifyExact(mm, scratch, w.Seed), "a load from R faulted");
                }

                w.Progress();
            });
        }

        if (discarding)
        {
            run.Add("madvise DONTNEED/FREE", 150L * factor, w =>
            {
                var (start, pagesIn) = RandomRange(w.Random);
                var behavior = w.Random.Next(2) == 0 ? MADV_DONTNEED : MADV_FREE;
                Assert.Equal(0, Sys.Madvise(task, region + (start * Page), pagesIn * Page, behavior));
                w.Progress();
            });
        }
        else
        {
            run.Add("madvise COLD/WILLNEED", 150L * factor, w =>
            {
                var (start, pagesIn) = RandomRange(w.Random);
                var behavior = w.Random.Next(2) == 0 ? MADV_COLD : MADV_WILLNEED;
                Assert.Equal(0, Sys.Madvise(task, region + (start * Page), pagesIn * Page, behavior));
                w.Progress();
            });
        }

        var iovecs = new IoVec[4];
        run.Add("process_madvise PAGEOUT", 150L * factor, w =>
        {
            // Mostly PAGEOUT; with discarding advice also DONTNEED as a vector.
            var behavior = discarding && w.Random.Next(3) == 0 ? MADV_DONTNEED : MADV_PAGEOUT;
            var count = w.Random.Next(1, iovecs.Length + 1);
            ulong total = 0;
            for (var i = 0; i < count; i++)
            {
                var (start, pagesIn) = RandomRange(w.Random);
                iovecs[i] = new IoVec(region + (start * Page), pagesIn * Page);
                total += pagesIn * Page;
            }

            WriteIovecs(task, vec, iovecs.AsSpan(0, count));
            Assert.Equal((long)total, ProcessMadviseSelf(task, vec, count, behavior));
            w.Progress();
        });

        run.Add("reclaim", 150L * factor, w =>
        {
            kernel.Reclaim(w.Random.Next(1, 17));
            w.Progress();
        });

        var stats = kernel.Stats;
        run.Until(
            discarding ? "a page swapped out and back in, a page zapped, a discarded byte seen" : "a page swapped out and back in",
            () => stats.SwapIns > 0 && (!discarding || (stats.PagesZapped > 0 && Interlocked.Read(ref dropped[0]) + Interlocked.Read(ref dropped[1]) > 0)));
        run.Run();
        output.WriteLine(run.Summary());
        output.WriteLine($"{profile}: faults {stats.PageFaults}, zapped {stats.PagesZapped}, swap out {stats.SwapOuts} in {stats.SwapIns}, reclaimed {stats.PagesReclaimed}, lazy-freed {stats.LazyFreed}, TLB flushes {stats.TlbFlushes}, bytes found discarded {dropped.Sum()}");

        // The advice really took pages away while the writers were working.
        Assert.True(stats.SwapOuts > 0, "PAGEOUT never swapped a page out");
        Assert.True(stats.SwapIns > 0, "no store or load ever faulted a page back from swap");
        if (discarding)
        {
            Assert.True(stats.PagesZapped > 0, "DONTNEED never zapped a page");
            Assert.True(dropped.Sum() > 0, "no writer ever found a stored byte discarded");
        }

        var buffer = new byte[StressPage.Size];
        foreach (var mine in pages)
        {
            foreach (var page in mine)
            {
                if (discarding)
                {
                    Assert.True(page.VerifyExpectedOrZero(mm, buffer, run.Seed) >= 0);
                }
                else
                {
                    Assert.True(page.VerifyExact(mm, buffer, run.Seed));
                }
            }
        }

        mm.AssertInvariants();
        UnmapAll(task);
        Assert.Equal(0, mm.Rss);
        task.Exit();
        AssertAllMemoryBack(kernel, $"{profile} after exit");
    }

    /// <summary>A random page range of R: (first page, pages).</summary>
    private static (ulong Start, ulong Pages) RandomRange(Random random)
    {
        var start = random.Next(RegionPages);
        var pages = random.Next(1, Math.Min(RegionPages - start, 16) + 1);
        return ((ulong)start, (ulong)pages);
    }
}
