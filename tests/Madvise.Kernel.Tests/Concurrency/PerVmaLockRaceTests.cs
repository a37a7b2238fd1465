using Madvise.Abi;
using Madvise.Kernel.Mm;
using Madvise.Kernel.Mm.Physical;
using Madvise.Kernel.Syscalls;
using Madvise.Kernel.Tasks;
using Madvise.Kernel.Tests.Shared;
using Xunit.Abstractions;
using static Madvise.Abi.MemoryAdvice;
using static Madvise.Kernel.Tests.Concurrency.StressMappings;

namespace Madvise.Kernel.Tests.Concurrency;

/// <summary>
/// PerVmaLock: MADV_DONTNEED through the per-VMA read lock racing the writers of the address
/// space — mprotect splitting and merging the VMA being advised and its neighbours, munmap and
/// mmap (MAP_FIXED) of neighbouring pages and of pages inside that VMA — while other threads
/// store and load.
/// </summary>
/// <remarks>
/// <code>
///   Z (40 pages):  N N N N N N N N | 0 1 0 1 ... 0 1 | P P P P P P P P
///                  remapper: munmap,  writers' pages    protector: read-only
///                  mmap MAP_FIXED     (page p: writer   and back; also flips
///                  (also over single  p % 2)            writers' ranges to
///                  writers' pages)                      read-write-exec and back
/// </code>
/// Small DONTNEED ranges mostly lie inside one VMA (per-VMA lock), some cross a VMA boundary
/// (fallback to the mmap read lock) or a hole (-ENOMEM). Every byte must be the last one its
/// owner stored or zero; stores and loads that the layout allows must never fault; the
/// invariants hold and every frame comes back.
/// </remarks>
[Collection(StressCollection.Name)]
public sealed class PerVmaLockRaceTests(ITestOutputHelper output)
{
    /// <summary>Pages of region Z.</summary>
    private const int RegionPages = 40;

    /// <summary>First page of the writers' part.</summary>
    private const int WriterFirst = 8;

    /// <summary>First page of the protector's part (end of the writers').</summary>
    private const int ProtectorFirst = 32;

    /// <summary>Writer threads.</summary>
    private const int Writers = 2;

    [Fact]
    public void DontNeedUnderVmaLockRacingMprotectMunmapMmapKeepsDataAndInvariants()
    {
        var factor = TestThreads.StressFactor;
        using var kernel = new SimulatedKernel(new KernelConfig { Profile = KernelProfile.PerVmaLock, MemoryBytes = 64UL << 20 });
        var task = kernel.CreateProcess();
        var mm = task.Mm!;
        var region = MapAnon(task, RegionPages);
        var vec = MapAnon(task, 1);
        ulong PageAt(int p) => region + ((ulong)p * Page);

        var run = new StressRun();
        var writerPages = new StressPage[Writers][];
        long dropped = 0;
        for (var t = 0; t < Writers; t++)
        {
            var me = t;
            var mine = writerPages[t] = new StressPage[(ProtectorFirst - WriterFirst) / Writers];
            for (var i = 0; i < mine.Length; i++)
            {
                mine[i] = new StressPage(PageAt(WriterFirst + (i * Writers) + t));
            }

            var scratch = new byte[StressPage.Size];
            long sequence = 0;
            run.Add($"writer {me}", 300L * factor, w =>
            {
                var page = mine[w.Random.Next(mine.Length)];
                var offset = w.Random.Next(StressPage.Size);
                var length = w.Random.Next(1, StressPage.Size - offset + 1);

                // Writers' pages are always mapped and writable, whatever the others do.
                Assert.Equal(length, page.Write(mm, me, ++sequence, offset, length, scratch));
                var zeroed = page.VerifyExpectedOrZero(mm, scratch, w.Seed);
                Assert.True(zeroed >= 0, "a load from a writer's page faulted");
                Interlocked.Add(ref dropped, zeroed);
                w.Progress();
            });
        }

        var neighbourFill = new byte[WriterFirst];
        var neighbourBuffer = new byte[WriterFirst * StressPage.Size];
        run.Add("remapper", 100L * factor, w =>
        {
            // The neighbour: a hole, then a fresh mapping filled with a new value.
            var first = w.Random.Next(WriterFirst);
            var pages = w.Random.Next(1, WriterFirst - first + 1);
            Unmap(task, PageAt(first), (ulong)pages);
            Assert.Equal(0, mm.ReadUser(PageAt(first), neighbourBuffer.AsSpan(0, 1)));
            MapAnonFixed(task, PageAt(first), (ulong)pages);
            var value = (byte)w.Random.Next(1, 256);
            Assert.Equal(pages * StressPage.Size, mm.FillUser(PageAt(first), (ulong)pages * Page, value));
            neighbourFill.AsSpan(first, pages).Fill(value);
            AssertValueOrZero(mm, PageAt(0), neighbourFill, neighbourBuffer, "neighbour", w.Seed);

            // Inside the writers' VMA: one page replaced by a fresh one (its owner may find zeros).
            if (w.Random.Next(4) == 0)
            {
                MapAnonFixed(task, PageAt(w.Random.Next(WriterFirst, ProtectorFirst)), 1);
            }

            w.Progress();
        });

        var protectedFill = new byte[RegionPages - ProtectorFirst];
        var protectedBuffer = new byte[protectedFill.Length * StressPage.Size];
        run.Add("protector", 100L * factor, w =>
        {
            var first = w.Random.Next(protectedFill.Length);
            var pages = w.Random.Next(1, protectedFill.Length - first + 1);
            var at = PageAt(ProtectorFirst + first);
            Protect(task, at, (ulong)pages, Prot.PROT_READ);
            Assert.Equal(0, mm.WriteUser(at, protectedBuffer.AsSpan(0, 1)));
            AssertValueOrZero(mm, PageAt(ProtectorFirst), protectedFill, protectedBuffer, "protected", w.Seed);
            Protect(task, at, (ulong)pages, ReadWrite);
            var value = (byte)w.Random.Next(1, 256);
            Assert.Equal(pages * StressPage.Size, mm.FillUser(at, (ulong)pages * Page, value));
            protectedFill.AsSpan(first, pages).Fill(value);

            // Split the writers' VMA and merge it back.
            var wf = w.Random.Next(WriterFirst, ProtectorFirst);
            var wp = w.Random.Next(1, ProtectorFirst - wf + 1);
            Protect(task, PageAt(wf), (ulong)wp, Prot.PROT_READ | Prot.PROT_WRITE | Prot.PROT_EXEC);
            Protect(task, PageAt(wf), (ulong)wp, ReadWrite);
            w.Progress();
        });

        var iovecs = new IoVec[4];
        run.Add("DONTNEED", 300L * factor, w =>
        {
            if (w.Random.Next(3) != 0)
            {
                // madvise() anywhere in Z: a range that reaches into the remapper's part may meet a hole.
                var first = w.Random.Next(RegionPages);
                var pages = w.Random.Next(1, Math.Min(4, RegionPages - first) + 1);
                var ret = Sys.Madvise(task, PageAt(first), (ulong)pages * Page, MADV_DONTNEED);
                Assert.True(ret == 0 || (ret == -Errno.ENOMEM && first < WriterFirst), $"madvise DONTNEED of pages {first}+{pages}: {ret}");
            }
            else
            {
                // A vector over the part that is never unmapped must complete.
                var count = w.Random.Next(1, iovecs.Length + 1);
                ulong total = 0;
                for (var i = 0; i < count; i++)
                {
                    var first = w.Random.Next(WriterFirst, RegionPages);
                    var pages = w.Random.Next(1, Math.Min(4, RegionPages - first) + 1);
                    iovecs[i] = new IoVec(PageAt(first), (ulong)pages * Page);
                    total += (ulong)pages * Page;
                }

                WriteIovecs(task, vec, iovecs.AsSpan(0, count));
                Assert.Equal((long)total, ProcessMadviseSelf(task, vec, count, MADV_DONTNEED));
            }

            w.Progress();
        });

        run.Until("a writer found a stored byte discarded", () => Interlocked.Read(ref dropped) > 0);
        run.Run();
        output.WriteLine(run.Summary());
        output.WriteLine($"bytes found discarded {dropped}; faults {kernel.Stats.PageFaults}, zapped {kernel.Stats.PagesZapped}, TLB flushes {kernel.Stats.TlbFlushes}, VMAs {mm.MapCount}");

        var buffer = new byte[Math.Max(StressPage.Size, neighbourBuffer.Length)];
        foreach (var mine in writerPages)
        {
            foreach (var page in mine)
            {
                Assert.True(page.VerifyExpectedOrZero(mm, buffer, run.Seed) >= 0);
            }
        }

        AssertValueOrZero(mm, PageAt(0), neighbourFill, neighbourBuffer, "neighbour", run.Seed);
        AssertValueOrZero(mm, PageAt(ProtectorFirst), protectedFill, protectedBuffer, "protected", run.Seed);
        mm.AssertInvariants();
        UnmapAll(task);
        Assert.Equal(0, mm.Rss);
        task.Exit();
        AssertAllMemoryBack(kernel, "after exit");
    }

    /// <summary>
    /// munmap() of a page that a concurrent DONTNEED (under the per-VMA lock, its TLB flush still
    /// batched for the rest of its vector) has already zapped: when munmap returns, no CPU may
    /// still translate the page. munmap's own zap finds nothing to flush there, so it must see
    /// the other batch pending and flush everything (Linux: tlb_finish_mmu() and
    /// mm_tlb_flush_nested()). A stale translation would let a load succeed, or a store land in
    /// the old frame instead of whatever is mapped there next.
    /// </summary>
    /// <remarks>
    /// <code>
    ///   X: 1 page, read-write (loaded by this thread: its translation is in this CPU's TLB)
    ///   B: 1 page, read-only, empty             vector = [X] [B]
    /// </code>
    /// The vector is stopped between its two ranges (<see cref="FaultPause"/> at
    /// <see cref="FaultPoint.VectorBetweenRanges"/>): X is zapped, its flush pending in the
    /// vector's batch, and the vector holds no lock (each range took and released its VMA's lock).
    /// Then munmap of X and a load from X, then the vector goes on. Every round is that
    /// interleaving: the test used to wait for it by timing (a vector of 1,024 ranges, a load while
    /// it still ran) and, on a loaded machine, had 0 conclusive attempts in 500.
    /// </remarks>
    [Fact]
    public void MunmapAfterAVmaLockedDontNeedLeavesNoStaleTranslation()
    {
        using var kernel = new SimulatedKernel(new KernelConfig { Profile = KernelProfile.PerVmaLock, MemoryBytes = 64UL << 20 });
        var task = kernel.CreateProcess();
        var mm = task.Mm!;
        var x = MapAnon(task, 1);
        var b = MapAnon(task, 1, Prot.PROT_READ);
        var vec = MapAnon(task, 1);
        WriteIovecs(task, vec, [new IoVec(x, Page), new IoVec(b, Page)]);
        Span<byte> probe = stackalloc byte[1];
        for (var round = 0; round < 3; round++)
        {
            Assert.Equal((long)Page, mm.FillUser(x, Page, 0x77));
            Assert.Equal(1, mm.ReadUser(x, probe));
            long loaded;
            Task<long> vector;
            using (var pause = kernel.Faults.PauseAt(FaultPoint.VectorBetweenRanges))
            {
                vector = TestThreads.Start(() => ProcessMadviseSelf(task, vec, 2, MADV_DONTNEED));
                Assert.True(pause.WaitReached(TestThreads.HangGuard), "the vector did not reach its second range");
                Assert.True(mm.PageTable.ReadPte(x).IsNone, "the vector zapped X before the pause");

                Unmap(task, x, 1);
                loaded = mm.ReadUser(x, probe);
                pause.Resume();
            }

            Assert.Equal(2 * (long)Page, TestThreads.Join(vector, "the vector"));
            Assert.True(loaded == 0, $"round {round}: a load from X succeeded after munmap returned (value {probe[0]:x2}), through a translation the vector had not flushed yet");
            MapAnonFixed(task, x, 1);
        }

        mm.AssertInvariants();
        task.Exit();
        AssertAllMemoryBack(kernel, "after exit");
    }

    /// <summary>Every byte of page i from <paramref name="start"/> on is <paramref name="fill"/>[i] or zero (DONTNEED).</summary>
    private static void AssertValueOrZero(MmStruct mm, ulong start, byte[] fill, byte[] buffer, string what, int seed)
    {
        var span = buffer.AsSpan(0, fill.Length * StressPage.Size);
        Assert.Equal(span.Length, mm.ReadUser(start, span));
        for (var i = 0; i < span.Length; i++)
        {
            var v = span[i];
            if (v != 0 && v != fill[i / StressPage.Size])
            {
                Assert.Fail($"[seed {seed}] {what} page {i / StressPage.Size} byte {i % StressPage.Size} is {v:x2}, filled with {fill[i / StressPage.Size]:x2}");
            }
        }
    }
}
