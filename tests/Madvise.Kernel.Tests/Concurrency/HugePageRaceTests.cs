using Madvise.Kernel.Syscalls;
using Madvise.Kernel.Tests.Shared;
using Xunit.Abstractions;
using static Madvise.Abi.MemoryAdvice;
using static Madvise.Kernel.Tests.Concurrency.StressMappings;

namespace Madvise.Kernel.Tests.Concurrency;

/// <summary>
/// Stores and loads racing the operations that build, split and tear down transparent huge
/// pages on the same 2 MiB blocks: huge faults, MADV_COLLAPSE (which copies a block's pages
/// into a new huge page while the writers keep storing), DONTNEED/FREE/COLD/PAGEOUT over part
/// or all of a block, mprotect edges inside blocks, fork with copy-on-write of huge entries, and
/// memory pressure that swaps huge pages out page by page.
/// </summary>
/// <remarks>
/// <code>
///   R (4 blocks of 512 pages, VM_HUGEPAGE):  0 1 0 1 ...   page p owned by writer p % 2
/// </code>
/// With discarding advice every byte must be the last one stored or zero; with advice that
/// keeps data every byte must be exactly the last one stored (a collapse that copied a page
/// before a store reached it, or a split that lost a frame, shows up here). Afterwards the
/// invariants hold and, after exit, every frame, swap slot and LRU entry is back.
/// </remarks>
[Collection(StressCollection.Name)]
public sealed class HugePageRaceTests(ITestOutputHelper output)
{
    private const int Writers = 2;

    /// <summary>Pages per huge page.</summary>
    private const int H = 512;

    private const int Blocks = 4;

    private const int RegionPages = Blocks * H;

    public static TheoryData<KernelProfile> Profiles => new(Enum.GetValues<KernelProfile>());

    [Theory]
    [MemberData(nameof(Profiles))]
    public void DiscardingAdviceOnHugePagesLeavesTheLastStoreOrZero(KernelProfile profile) => Race(profile, discarding: true);

    [Theory]
    [MemberData(nameof(Profiles))]
    public void CollapseSplitsForkAndReclaimLoseNoStore(KernelProfile profile) => Race(profile, discarding: false);

    private void Race(KernelProfile profile, bool discarding)
    {
        var factor = TestThreads.StressFactor;
        using var kernel = new SimulatedKernel(new KernelConfig { Profile = profile, MemoryBytes = 128UL << 20, SwapBytes = 32UL << 20 });
        var task = kernel.CreateProcess();
        var mm = task.Mm!;

        // A multiple of 2 MiB without a hint is placed 2 MiB-aligned.
        var region = MapAnon(task, RegionPages);
        Assert.Equal(0UL, region % (H * Page));
        Assert.Equal(0, Sys.Madvise(task, region, RegionPages * Page, MADV_HUGEPAGE));

        var run = new StressRun();
        var pages = new StressPage[Writers][];
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

                // A store may fault while a block is read-only (the mprotect worker): the page keeps
                // what the kernel reports stored.
                page.Write(mm, me, ++sequence, offset, length, scratch);
                if (discarding)
                {
                    Assert.True(page.VerifyExpectedOrZero(mm, scratch, w.Seed) >= 0, "a load from R faulted");
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
            run.Add("DONTNEED/FREE part or all of blocks", 150L * factor, w =>
            {
                var (start, count) = RandomRange(w.Random);
                var behavior = w.Random.Next(2) == 0 ? MADV_DONTNEED : MADV_FREE;
                Assert.Equal(0, Sys.Madvise(task, region + (start * Page), count * Page, behavior));
                w.Progress();
            });
            run.Add("PAGEOUT (lazy-free huge pages are discarded whole)", 100L * factor, w =>
            {
                var (start, count) = RandomRange(w.Random);
                Assert.Equal(0, Sys.Madvise(task, region + (start * Page), count * Page, MADV_PAGEOUT));
                w.Progress();
            });
        }
        else
        {
            run.Add("COLD/PAGEOUT part or all of blocks", 100L * factor, w =>
            {
                var (start, count) = RandomRange(w.Random);
                var behavior = w.Random.Next(2) == 0 ? MADV_COLD : MADV_PAGEOUT;
                Assert.Equal(0, Sys.Madvise(task, region + (start * Page), count * Page, behavior));
                w.Progress();
            });
            run.Add("fork, then the child exits", 30L * factor, w =>
            {
                var child = task.Fork(out var error);
                Assert.True(child is not null, $"fork failed: {error}");
                child.Exit();
                w.Progress();
            });
        }

        run.Add("COLLAPSE a block", 100L * factor, w =>
        {
            var block = (ulong)w.Random.Next(Blocks);
            var r = Sys.Madvise(task, region + (block * H * Page), H * Page, MADV_COLLAPSE);

            // A block torn down meanwhile has no page table (-EINVAL); a page a writer's fault has
            // just isolated or referenced is busy (-EAGAIN).
            Assert.True(r is 0 or -Abi.Errno.EINVAL or -Abi.Errno.EAGAIN, $"COLLAPSE returned {r}");
            w.Progress();
        });

        run.Add("mprotect an edge inside a block, then back", 60L * factor, w =>
        {
            var block = (ulong)w.Random.Next(Blocks);
            var first = (block * H) + (ulong)w.Random.Next(1, H - 16);
            Protect(task, region + (first * Page), 8, Abi.Prot.PROT_READ);
            Protect(task, region + (first * Page), 8, ReadWrite);
            w.Progress();
        });

        run.Add("reclaim", 100L * factor, w =>
        {
            kernel.Reclaim(w.Random.Next(1, 65));
            w.Progress();
        });

        var stats = kernel.Stats;
        run.Until("a huge page faulted, split and collapsed", () => stats.ThpFaultAlloc > 0 && stats.ThpSplitPmd > 0 && stats.ThpCollapseAlloc > 0);
        run.Run();
        output.WriteLine(run.Summary());
        output.WriteLine($"{profile}: thp faults {stats.ThpFaultAlloc}, fallbacks {stats.ThpFaultFallback}, splits {stats.ThpSplitPmd}, collapses {stats.ThpCollapseAlloc}, zapped {stats.PagesZapped}, swap out {stats.SwapOuts} in {stats.SwapIns}, reclaimed {stats.PagesReclaimed}, lazy-freed {stats.LazyFreed}");
        Assert.True(stats.ThpFaultAlloc > 0, "no fault ever mapped a huge page");
        Assert.True(stats.ThpSplitPmd > 0, "no huge entry was ever split");
        Assert.True(stats.ThpCollapseAlloc > 0, "COLLAPSE never built a huge page");

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

    /// <summary>A range of R: a whole block, several, or pages inside one (the split cases).</summary>
    private static (ulong Start, ulong Pages) RandomRange(Random random)
    {
        var block = random.Next(Blocks);
        switch (random.Next(3))
        {
            case 0:
                var blocks = random.Next(1, Blocks - block + 1);
                return ((ulong)(block * H), (ulong)(blocks * H));
            default:
                var start = random.Next(H);
                var pages = random.Next(1, Math.Min(H - start, 64) + 1);
                return ((ulong)((block * H) + start), (ulong)pages);
        }
    }
}
