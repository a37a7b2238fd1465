using CsCheck;
using Madvise.Host.Tests.Shared;
using Madvise.Abi;
using static Madvise.Host.Tests.Batcher.RegionPages;

namespace Madvise.Host.Tests.Batcher;

/// <summary>Random batches on the real kernel against a page-by-page model.</summary>
public sealed class AdviceBatcherPropertyTests
{
    /// <summary>Pages in the test region.</summary>
    private const int Pages = 48;

    /// <summary>Random cases per run; MADV_STRESS=1 makes the run long.</summary>
    private static readonly long Iterations = Environment.GetEnvironmentVariable("MADV_STRESS") == "1" ? 20_000 : 150;

    /// <summary>
    /// Whatever the adds (order, overlap, lengths not in whole pages), caps and forced fallback:
    /// exactly the union of the added pages is dropped (mincore and contents), the flush reports
    /// its size, and the calls are ascending, disjoint, merged and within the caps.
    /// </summary>
    [ProcessMadviseFact]
    public void AFlushDropsExactlyTheUnionWithinTheCaps()
    {
        var add = Gen.Select(Gen.Int[0, Pages - 1], Gen.Int[0, 6 * P]);
        var gen = Gen.Select(add.Array[0, 24], Gen.Int[1, 6], Gen.Int[1, 12], Gen.Bool, Gen.Bool);

        // CsCheck runs samples on several threads at once: each gets a region of its own.
        gen.Sample((adds, maxRanges, maxPages, capped, fallBack) =>
        {
            using var region = Create(Pages);
            Fill(region);
            var syscalls = new ScriptedSyscalls { ProcessMadviseAlwaysErrno = fallBack ? Errno.ENOSYS : 0 };
            var options = new AdviceBatcherOptions
            {
                Syscalls = syscalls,
                MaxRangesPerCall = capped ? maxRanges : IoVec.UIO_MAXIOV,
                MaxBytesPerCall = capped ? (nuint)(maxPages * P) : (nuint)IoVec.MAX_RW_COUNT,
                InitialCapacity = 2,
            };
            using var batcher = new AdviceBatcher(region, MemoryAdvice.MADV_DONTNEED, options);

            var model = new bool[Pages];
            foreach (var (page, length) in adds)
            {
                var len = Math.Min(length, (Pages - page) * P);
                batcher.Add(At(region, page), (nuint)len);
                for (var p = page; p < page + ((len + P - 1) / P); p++)
                {
                    model[p] = true;
                }
            }

            var advised = batcher.Flush();

            Assert.Equal(model.Count(d => d) * (long)P, advised);
            Assert.Equal(0, batcher.PendingRanges);
            CheckCalls(region, syscalls, model, capped ? maxRanges : IoVec.UIO_MAXIOV, capped ? (ulong)(maxPages * P) : IoVec.MAX_RW_COUNT);
            AssertDropped(region, model);
        }, iter: Iterations);
    }

    /// <summary>
    /// The calls cover the model's pages exactly once, in ascending order; inside one vector
    /// ranges never touch (they would have been merged); vectors respect both caps.
    /// </summary>
    private static void CheckCalls(MappedRegion region, ScriptedSyscalls syscalls, bool[] model, int maxRanges, ulong maxBytes)
    {
        foreach (var (vector, _) in syscalls.ProcessMadviseCalls)
        {
            Assert.InRange(vector.Length, 1, maxRanges);
            Assert.True(vector.Sum(v => (long)v.Len) <= (long)maxBytes, "vector over the byte cap");
            for (var i = 1; i < vector.Length; i++)
            {
                Assert.True(vector[i].Base > vector[i - 1].Base + vector[i - 1].Len, "ranges in one vector touch or are out of order");
            }
        }

        foreach (var (range, _) in syscalls.MadviseCalls)
        {
            Assert.True(range.Len <= maxBytes, "madvise over the byte cap");
        }

        var covered = new bool[model.Length];
        var last = 0UL;
        foreach (var range in syscalls.Completed())
        {
            Assert.True(range.Base >= last, "calls are not in ascending order");
            last = range.Base + range.Len;
            for (var address = range.Base; address < last; address += (ulong)P)
            {
                var page = PageOf(region, address);
                Assert.False(covered[page], $"page {page} advised twice");
                covered[page] = true;
            }
        }

        Assert.Equal(model, covered);
    }
}
