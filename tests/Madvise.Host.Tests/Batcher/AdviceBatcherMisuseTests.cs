using Madvise.Abi;
using Madvise.Host.Tests.Shared;
using static Madvise.Host.Tests.Batcher.RegionPages;

namespace Madvise.Host.Tests.Batcher;

/// <summary>
/// A batcher used from two threads at once (it is not thread-safe): the second caller gets an
/// exception, the batcher stays usable, and no system call ever names memory outside the region.
/// Before the owner check, this submitted a range far outside the region and DONTNEED zeroed a
/// neighbouring mapping on the real kernel.
/// </summary>
public sealed class AdviceBatcherMisuseTests
{
    /// <summary>Calls per thread in the two-thread test; MADV_STRESS=1 makes the run long.</summary>
    private static readonly int Iterations = Environment.GetEnvironmentVariable("MADV_STRESS") == "1" ? 400_000 : 20_000;

    [Fact]
    public void ACallWhileAnotherThreadFlushesThrowsAndChangesNothing()
    {
        using var region = Create(8);
        Fill(region);
        using var inCall = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var syscalls = new BlockingSyscalls(inCall, release);
        using var batcher = new AdviceBatcher(region, MemoryAdvice.MADV_DONTNEED, new AdviceBatcherOptions { Syscalls = syscalls, UseProcessMadvise = false });
        batcher.Add(At(region, 2), (nuint)P);

        long advised = 0;
        var flusher = new Thread(() => advised = batcher.Flush());
        flusher.Start();
        Assert.True(inCall.Wait(TimeSpan.FromMinutes(1)), "the flush never reached its system call");

        Assert.Throws<InvalidOperationException>(() => batcher.Add(At(region, 5), (nuint)P));
        Assert.Throws<InvalidOperationException>(() => batcher.Flush());
        Assert.Throws<InvalidOperationException>(batcher.Clear);
        Assert.Throws<InvalidOperationException>(batcher.Dispose);

        release.Set();
        flusher.Join();
        Assert.Equal(P, advised);
        Assert.Equal([(ulong)At(region, 2)], syscalls.Bases);
        Assert.Equal(0, batcher.PendingRanges);

        // Still usable, and nothing the refused calls tried was kept.
        batcher.AddAtOffset(6 * (nuint)P, (nuint)P);
        Assert.Equal(P, batcher.Flush());
        AssertDropped(region, Flags(8, 2, 6));
    }

    /// <summary>
    /// <code>
    /// pages  0 ... 255 | 256 ... 511 | 512 ... 767
    ///        neighbour   region      neighbour     two threads add and flush DONTNEED on the region
    /// </code>
    /// On the real kernel: every call either works or throws InvalidOperationException, and the
    /// neighbours keep every byte.
    /// </summary>
    [ProcessMadviseFact]
    public void TwoThreadsNeverTouchANeighbouringMapping()
    {
        const int Pages = 256;
        using var mapping = Create(3 * Pages);
        Fill(mapping);
        using var region = MappedRegion.FromExisting(At(mapping, Pages), (nuint)(Pages * P), unmapOnDispose: false);
        using var batcher = new AdviceBatcher(region, MemoryAdvice.MADV_DONTNEED);
        var refused = 0L;
        var done = 0L;

        using var start = new Barrier(2);
        void Run(int seed)
        {
            var random = new Random(seed);
            start.SignalAndWait();
            for (var i = 0; i < Iterations; i++)
            {
                try
                {
                    if (random.Next(32) == 0)
                    {
                        batcher.Flush();
                    }
                    else
                    {
                        // Scattered single pages: many unsorted ranges, so flushes sort and merge.
                        batcher.AddAtOffset((nuint)(random.Next(Pages) * P), (nuint)P);
                    }

                    Interlocked.Increment(ref done);
                }
                catch (InvalidOperationException)
                {
                    Interlocked.Increment(ref refused);
                }
            }
        }

        var other = new Thread(() => Run(2));
        other.Start();
        Run(1);
        other.Join();

        Assert.Equal(2L * Iterations, done + refused);
        batcher.Flush();
        var bytes = new byte[P];
        foreach (var page in Enumerable.Range(0, Pages).Concat(Enumerable.Range(2 * Pages, Pages)))
        {
            mapping.GetSpan((nuint)(page * P), P).CopyTo(bytes);
            Assert.True(bytes.AsSpan().IndexOfAnyExcept(Pattern(page)) < 0, $"neighbour page {page} was changed");
        }
    }

    /// <summary>madvise stand-in that makes the real call, after parking the caller until released.</summary>
    private sealed class BlockingSyscalls(ManualResetEventSlim inCall, ManualResetEventSlim release) : IAdviceSyscalls
    {
        public List<ulong> Bases { get; } = [];

        public long ProcessMadvise(int pidfd, ReadOnlySpan<IoVec> vector, MemoryAdvice advice) =>
            throw new InvalidOperationException("process_madvise is off in this test");

        public long Madvise(ulong address, ulong length, MemoryAdvice advice)
        {
            Bases.Add(address);
            inCall.Set();
            release.Wait();
            return HostMemory.TryMadvise((nint)address, (nuint)length, advice, out var errno) ? 0 : -errno;
        }
    }
}
