using System.Diagnostics;
using Madvise.Kernel.Mm.Physical;
using Madvise.Kernel.Mm.Vmas;
using Xunit.Abstractions;
using static Madvise.Abi.PageSize;

namespace Madvise.Kernel.Tests.Mm;

/// <summary>
/// Lock-free readers search snapshots while one writer inserts, replaces and removes: every
/// answer must be right for the version the reader searched, which the reader checks against
/// its own walk of that version. MADV_STRESS=1 runs a hundred times longer.
/// </summary>
public sealed class VmaTreeConcurrencyTests(ITestOutputHelper output)
{
    /// <summary>Slots of four pages each; the writer keeps each range inside its slot so its inserts never clash.</summary>
    private const int Slots = 1024;

    /// <summary>Pages per slot.</summary>
    private const ulong SlotPages = 4;

    /// <summary>Reader threads besides the writer (the machine has two cores; three threads keep them busy).</summary>
    private const int Readers = 2;

    /// <summary>An immutable range: nothing moves under a reader except the set of items.</summary>
    private sealed record FixedRange(ulong Start, ulong End) : IAddressRange;

    /// <summary>True when MADV_STRESS=1 asks for the long run.</summary>
    private static bool Stress => Environment.GetEnvironmentVariable("MADV_STRESS") == "1";

    [Fact]
    public void ReadersSearchSnapshotsWhileOneWriterModifies()
    {
        var minWrites = Stress ? 2_000_000 : 20_000;
        var minRounds = Stress ? 20_000 : 200;

        // A bail-out for a hung or starved thread, not a timing assertion: the progress checks below fail instead.
        var deadline = Stopwatch.StartNew();
        var limit = TimeSpan.FromMinutes(Stress ? 30 : 1);

        var tree = new VmaTree<FixedRange>();
        var writes = 0L;
        var rounds = new long[Readers];
        var queries = new long[Readers];
        var done = 0;
        Exception? failure = null;
        using var start = new Barrier(Readers + 1);

        var writer = new Thread(() =>
        {
            try
            {
                start.SignalAndWait();
                var random = new Random(1);
                var slots = new FixedRange?[Slots];
                var live = 0;
                while (Volatile.Read(ref failure) is null && deadline.Elapsed < limit &&
                       (writes < minWrites || !AllReached(rounds, minRounds)))
                {
                    var slot = random.Next(Slots);
                    var old = slots[slot];
                    if (old is null)
                    {
                        slots[slot] = RandomRangeIn(random, slot, null);
                        tree.Insert(slots[slot]!);
                        live++;
                    }
                    else if (random.Next(3) == 0)
                    {
                        slots[slot] = RandomRangeIn(random, slot, old.Start);
                        tree.Replace(old, slots[slot]!);
                    }
                    else
                    {
                        tree.Remove(old);
                        slots[slot] = null;
                        live--;
                    }

                    writes++;
                    if (writes % 4096 == 0)
                    {
                        tree.Validate();
                        Assert.Equal(live, tree.Count);
                    }
                }
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref failure, e, null);
            }
            finally
            {
                Volatile.Write(ref done, 1);
            }
        });

        var readers = new Thread[Readers];
        for (var r = 0; r < Readers; r++)
        {
            var id = r;
            readers[r] = new Thread(() =>
            {
                try
                {
                    start.SignalAndWait();
                    var random = new Random(100 + id);
                    var walked = new FixedRange[Slots];
                    while (Volatile.Read(ref done) == 0)
                    {
                        queries[id] += SearchOneSnapshot(tree.Snapshot, walked, random);
                        Volatile.Write(ref rounds[id], rounds[id] + 1);
                    }
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref failure, e, null);
                    Volatile.Write(ref done, 1);
                }
            });
        }

        writer.Start();
        foreach (var reader in readers)
        {
            reader.Start();
        }

        writer.Join();
        foreach (var reader in readers)
        {
            reader.Join();
        }

        if (failure is not null)
        {
            throw new Xunit.Sdk.XunitException($"A worker failed: {failure}");
        }

        output.WriteLine($"{writes} modifications; snapshots searched: {string.Join(", ", rounds)}; queries: {string.Join(", ", queries)}");
        Assert.True(writes >= minWrites, $"writer made {writes} modifications, wanted {minWrites}");
        for (var r = 0; r < Readers; r++)
        {
            Assert.True(rounds[r] >= minRounds, $"reader {r} searched {rounds[r]} snapshots, wanted {minRounds}");
            Assert.True(queries[r] > 0, $"reader {r} ran no query");
        }

        tree.Validate();
    }

    /// <summary>True when every reader has finished at least <paramref name="min"/> rounds.</summary>
    private static bool AllReached(long[] rounds, long min)
    {
        foreach (ref var r in rounds.AsSpan())
        {
            if (Volatile.Read(ref r) < min)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A range inside <paramref name="slot"/>, starting at <paramref name="start"/> if given, else at one of its first two pages.</summary>
    private static FixedRange RandomRangeIn(Random random, int slot, ulong? start)
    {
        var slotStart = (ulong)slot * SlotPages * PAGE_SIZE;
        var first = start ?? slotStart + ((ulong)random.Next(2) * PAGE_SIZE);
        var room = (slotStart + (SlotPages * PAGE_SIZE) - first) / PAGE_SIZE;
        return new FixedRange(first, first + ((ulong)random.Next(1, (int)room + 1) * PAGE_SIZE));
    }

    /// <summary>
    /// Walks one version into <paramref name="walked"/>, checks the walk is sorted, disjoint and
    /// as long as the version's count, then checks random queries against the walk. Returns the queries run.
    /// </summary>
    private static int SearchOneSnapshot(VmaTreeSnapshot<FixedRange> snapshot, FixedRange[] walked, Random random)
    {
        var n = 0;
        foreach (var item in snapshot)
        {
            walked[n++] = item;
        }

        Assert.Equal(snapshot.Count, n);
        for (var i = 1; i < n; i++)
        {
            Assert.True(walked[i - 1].End <= walked[i].Start, $"walk: {walked[i - 1]} then {walked[i]}");
        }

        const int queries = 64;
        for (var q = 0; q < queries; q++)
        {
            var addr = RandomAddress(random);
            var end = addr + RandomAddress(random) % (3 * PAGE_SIZE);

            var first = FirstEndAbove(walked, n, addr);
            var found = first < n ? walked[first] : null;
            Assert.Same(found, snapshot.Find(addr));
            Assert.Same(found is not null && found.Start <= addr ? found : null, snapshot.FindContaining(addr));
            Assert.Same(addr < end && found is not null && found.Start < end ? found : null, snapshot.FindIntersection(addr, end));

            // Starts are sorted too: the first Start >= addr is found, or the one after it if found
            // contains addr; with nothing found every item starts below addr.
            var next = found is null || found.Start >= addr ? first : first + 1;
            Assert.Same(next < n ? walked[next] : null, snapshot.NextAfter(addr));
            Assert.Same(next > 0 ? walked[next - 1] : null, snapshot.Prev(addr));
        }

        // One ranged walk per round: it must be the suffix of the full walk.
        var from = RandomAddress(random);
        var index = FirstEndAbove(walked, n, from);
        foreach (var item in snapshot.From(from))
        {
            Assert.Same(walked[index++], item);
        }

        Assert.Equal(n, index);
        return queries + 1;
    }

    /// <summary>
    /// An address in or just above the slots, biased to the page boundaries where ranges start
    /// and end, since that is where an off-by-one shows.
    /// </summary>
    private static ulong RandomAddress(Random random)
    {
        var page = (ulong)random.Next((int)(Slots * SlotPages) + 2);
        var offset = random.Next(4) switch
        {
            0 => 0UL,
            1 => 1UL,
            2 => PAGE_SIZE - 1,
            _ => (ulong)random.Next((int)PAGE_SIZE),
        };
        return (page * PAGE_SIZE) + offset;
    }

    /// <summary>Binary search: the index of the first walked item whose End is above <paramref name="addr"/>, or n.</summary>
    private static int FirstEndAbove(FixedRange[] walked, int n, ulong addr)
    {
        int lo = 0, hi = n;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (walked[mid].End > addr)
            {
                hi = mid;
            }
            else
            {
                lo = mid + 1;
            }
        }

        return lo;
    }
}
