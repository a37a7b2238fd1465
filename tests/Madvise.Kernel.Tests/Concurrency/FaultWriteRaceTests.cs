using Madvise.Abi;
using Madvise.Kernel.Mm;
using Madvise.Kernel.Mm.Physical;
using Madvise.Kernel.Tasks;
using Madvise.Kernel.Tests.Shared;
using Xunit.Abstractions;
using static Madvise.Kernel.Tests.Concurrency.StressMappings;

namespace Madvise.Kernel.Tests.Concurrency;

/// <summary>
/// Page faults, stores and loads of several threads of one process, racing each other and the
/// address-space changes of other threads (mmap, munmap, mprotect), checked byte for byte.
/// </summary>
/// <remarks>
/// <code>
///   A (32 pages, one mapping):  0 1 2 0 1 2 ... 0 1 2 | S S S S S S S S
///                               disjoint pages, page p   shared pages: 64-byte block k
///                               owned by writer p % 3    owned by writer k % 3
///   B, B', ... : the mapper's own mappings, placed by the kernel (top-down, so right below A
///                and each other: they merge with A and split again)
/// </code>
/// The protector flips random page ranges of A to read-only or read-write-exec and back, which
/// splits and merges A's VMA under the writers and cuts their stores short; what the kernel
/// reports as stored is what the writers expect. A writer's own pages must read back exactly.
/// In the shared pages every writer also reads the blocks of the others: each byte there may
/// only grow (writers store their pass number, 1..250, so the order is total) and never beyond
/// what its owner has published — a stale frame or lost store would show as a step back.
/// </remarks>
[Collection(StressCollection.Name)]
public sealed class FaultWriteRaceTests(ITestOutputHelper output)
{
    /// <summary>Writer threads.</summary>
    private const int Writers = 3;

    /// <summary>Disjoint pages per writer.</summary>
    private const int PagesPerWriter = 8;

    /// <summary>Pages every writer writes (in its own 64-byte blocks) and reads.</summary>
    private const int SharedPages = 8;

    /// <summary>Pages of region A.</summary>
    private const int RegionPages = (Writers * PagesPerWriter) + SharedPages;

    /// <summary>Bytes of one block of the shared pages.</summary>
    private const int BlockBytes = 64;

    /// <summary>Blocks in the shared pages.</summary>
    private const int SharedBlocks = SharedPages * StressPage.Size / BlockBytes;

    /// <summary>Passes over the shared pages per writer: their number is the byte stored, so it must fit a byte.</summary>
    private const int MaxPasses = 250;

    [Fact]
    public void FaultsStoresAndLoadsStayExactWhileOtherThreadsMapUnmapAndProtect()
    {
        var factor = TestThreads.StressFactor;
        using var kernel = new SimulatedKernel(new KernelConfig { MemoryBytes = 256UL << 20 });
        var task = kernel.CreateProcess();
        var mm = task.Mm!;
        var regionA = MapAnon(task, RegionPages);
        var sharedBase = regionA + ((ulong)(Writers * PagesPerWriter) * Page);

        // Per writer: its disjoint pages, its blocks' last pass, its published pass, and (as a
        // reader of the others' blocks) the last value it saw at each shared byte.
        var own = new StressPage[Writers][];
        var blockPass = new byte[SharedBlocks];
        var published = new int[Writers];
        for (var t = 0; t < Writers; t++)
        {
            own[t] = new StressPage[PagesPerWriter];
            for (var i = 0; i < PagesPerWriter; i++)
            {
                own[t][i] = new StressPage(regionA + ((ulong)((i * Writers) + t) * Page));
            }
        }

        // Stores the protector cut short (interlocked): evidence the writers met its changes.
        long cutShort = 0;
        var run = new StressRun();
        for (var t = 0; t < Writers; t++)
        {
            var me = t;
            var scratch = new byte[StressPage.Size];
            var read = new byte[SharedPages * StressPage.Size];
            var lastSeen = new byte[SharedPages * StressPage.Size];
            long sequence = 0;
            run.Add($"writer {me}", 300L * factor, w =>
            {
                if (w.Random.Next(4) != 0 || published[me] >= MaxPasses)
                {
                    var page = own[me][w.Random.Next(PagesPerWriter)];
                    var offset = w.Random.Next(StressPage.Size);
                    var length = w.Random.Next(1, StressPage.Size - offset + 1);
                    if (page.Write(mm, me, ++sequence, offset, length, scratch) < length)
                    {
                        Interlocked.Increment(ref cutShort);
                    }

                    Assert.True(page.VerifyExact(mm, scratch, w.Seed), "a load from A faulted");
                    w.Progress();
                    return;
                }

                SharedPass(mm, sharedBase, me, published, blockPass, read, lastSeen, w);
                w.Progress();
            });
        }

        run.Add("protector", 60L * factor, w =>
        {
            var first = (ulong)w.Random.Next(RegionPages);
            var pages = (ulong)w.Random.Next(1, RegionPages - (int)first + 1);
            var prot = w.Random.Next(2) == 0 ? Prot.PROT_READ : Prot.PROT_READ | Prot.PROT_WRITE | Prot.PROT_EXEC;
            Protect(task, regionA + (first * Page), pages, prot);
            Thread.Yield();
            Protect(task, regionA + (first * Page), pages, ReadWrite);
            w.Progress();
        });

        var live = new List<(ulong Addr, ulong Pages, byte Value)>();
        var mapperBuffer = new byte[16 * StressPage.Size];
        run.Add("mapper", 100L * factor, w => MapperStep(task, live, mapperBuffer, w));

        run.Until("a store cut short by mprotect, every writer through the shared pages", () =>
        {
            if (Interlocked.Read(ref cutShort) == 0)
            {
                return false;
            }

            for (var t = 0; t < Writers; t++)
            {
                if (Volatile.Read(ref published[t]) == 0)
                {
                    return false;
                }
            }

            return true;
        });
        run.Run();
        output.WriteLine(run.Summary());
        output.WriteLine($"stores cut short {cutShort}, shared passes {string.Join('/', published)}; faults {kernel.Stats.PageFaults}, TLB flushes {kernel.Stats.TlbFlushes}, zapped {kernel.Stats.PagesZapped}, VMAs {mm.MapCount}");

        // Quiescent: every byte of A is exactly what its owner wrote last.
        var buffer = new byte[SharedPages * StressPage.Size];
        foreach (var pages in own)
        {
            foreach (var page in pages)
            {
                Assert.True(page.VerifyExact(mm, buffer, run.Seed));
            }
        }

        Assert.Equal(buffer.Length, mm.ReadUser(sharedBase, buffer));
        for (var i = 0; i < buffer.Length; i++)
        {
            Assert.True(buffer[i] == blockPass[i / BlockBytes], $"[seed {run.Seed}] shared byte {i} is {buffer[i]}, its owner last stored {blockPass[i / BlockBytes]}");
        }

        mm.AssertInvariants();
        UnmapAll(task);
        Assert.Equal(0, mm.Rss);
        task.Exit();
        AssertAllMemoryBack(kernel, "after exit");
    }

    /// <summary>
    /// One pass of writer <paramref name="me"/> over a random page range of the shared pages: store
    /// the pass number in its own blocks, then read the range back. Own blocks must hold exactly
    /// what was stored; another writer's byte must not be below what this reader saw before nor
    /// above the pass its owner has published.
    /// </summary>
    private static void SharedPass(MmStruct mm, ulong sharedBase, int me, int[] published, byte[] blockPass, byte[] read, byte[] lastSeen, StressWorker w)
    {
        var pass = published[me] + 1;

        // Publish before storing: a reader that sees the value must also see the bound.
        Volatile.Write(ref published[me], pass);
        var lo = w.Random.Next(SharedPages);
        var hi = w.Random.Next(lo + 1, SharedPages + 1);
        var firstBlock = lo * StressPage.Size / BlockBytes;
        var endBlock = hi * StressPage.Size / BlockBytes;
        for (var k = firstBlock; k < endBlock; k++)
        {
            if (k % Writers != me)
            {
                continue;
            }

            var stored = mm.FillUser(sharedBase + ((ulong)k * BlockBytes), BlockBytes, (byte)pass);
            if (stored == BlockBytes)
            {
                Volatile.Write(ref blockPass[k], (byte)pass);
            }
            else
            {
                // Read-only at the moment (the protector): the store faults before any byte.
                Assert.Equal(0, stored);
            }
        }

        var from = lo * StressPage.Size;
        var span = read.AsSpan(from, (hi - lo) * StressPage.Size);
        Assert.Equal(span.Length, mm.ReadUser(sharedBase + (ulong)from, span));
        Span<int> bound = stackalloc int[Writers];
        for (var t = 0; t < Writers; t++)
        {
            bound[t] = Volatile.Read(ref published[t]);
        }

        for (var i = from; i < from + span.Length; i++)
        {
            var owner = i / BlockBytes % Writers;
            var value = read[i];
            if (owner == me)
            {
                if (value != blockPass[i / BlockBytes])
                {
                    Assert.Fail($"[seed {w.Seed}] writer {me}: own shared byte {i} is {value}, stored {blockPass[i / BlockBytes]}");
                }

                continue;
            }

            if (value < lastSeen[i] || value > bound[owner])
            {
                Assert.Fail($"[seed {w.Seed}] writer {me}: byte {i} of writer {owner} went from {lastSeen[i]} to {value} (owner's pass {bound[owner]})");
            }

            lastSeen[i] = value;
        }
    }

    /// <summary>
    /// One step of the mapper: map a region and fill it; sometimes take one of its regions apart —
    /// punch a hole, make the first page read-only (a store there must fault), check what is left,
    /// unmap it.
    /// </summary>
    private static void MapperStep(TaskStruct task, List<(ulong Addr, ulong Pages, byte Value)> live, byte[] buffer, StressWorker w)
    {
        var mm = task.Mm!;
        if (live.Count < 6 && w.Random.Next(3) != 0)
        {
            var pages = (ulong)w.Random.Next(1, 17);
            var addr = MapAnon(task, pages);
            var value = (byte)w.Random.Next(1, 256);
            Assert.Equal((long)(pages * Page), mm.FillUser(addr, pages * Page, value));
            live.Add((addr, pages, value));
            w.Progress();
            return;
        }

        if (live.Count == 0)
        {
            return;
        }

        var index = w.Random.Next(live.Count);
        var (start, count, expected) = live[index];
        live.RemoveAt(index);
        AssertFilled(mm, start, count, expected, buffer, w.Seed);
        if (count >= 3)
        {
            var hole = start + ((ulong)w.Random.Next(1, (int)count - 1) * Page);
            Unmap(task, hole, 1);
            Assert.Equal(0, mm.ReadUser(hole, buffer.AsSpan(0, 1)));
            Protect(task, start, 1, Prot.PROT_READ);
            Assert.Equal(0, mm.WriteUser(start, buffer.AsSpan(0, 1)));
            AssertFilled(mm, start, (hole - start) / Page, expected, buffer, w.Seed);
            AssertFilled(mm, hole + Page, count - ((hole - start) / Page) - 1, expected, buffer, w.Seed);
        }

        // One munmap over the whole former range, holes included.
        Unmap(task, start, count);
        Assert.Equal(0, mm.ReadUser(start, buffer.AsSpan(0, 1)));
        w.Progress();
    }

    private static void AssertFilled(MmStruct mm, ulong addr, ulong pages, byte value, byte[] buffer, int seed)
    {
        var span = buffer.AsSpan(0, (int)(pages * Page));
        Assert.Equal(span.Length, mm.ReadUser(addr, span));
        var at = span.IndexOfAnyExcept(value);
        Assert.True(at < 0, $"[seed {seed}] mapper region {addr:x}: byte {at} is {(at < 0 ? 0 : span[at])}, filled with {value}");
    }
}
