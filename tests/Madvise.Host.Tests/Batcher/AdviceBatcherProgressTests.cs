using Madvise.Host.Tests.Shared;
using Madvise.Abi;
using static Madvise.Host.Tests.Batcher.RegionPages;

namespace Madvise.Host.Tests.Batcher;

/// <summary>Partial progress, transient errors and failing ranges: where the batcher resumes and what it reports.</summary>
public sealed class AdviceBatcherProgressTests
{
    /// <summary>
    /// The kernel advises ranges 0..3 of a vector of 10 and reports their bytes (the error of
    /// range 4 is lost, as process_madvise loses it): the next call starts at range 4.
    /// </summary>
    [ProcessMadviseFact]
    public void AfterPartialProgressTheNextCallStartsAtTheFirstRangeNotDone()
    {
        using var region = Create(20);
        Fill(region);
        var syscalls = new ScriptedSyscalls();
        syscalls.ProcessMadviseScript.Enqueue(Scripted.Partial(4));
        syscalls.ProcessMadviseScript.Enqueue(Scripted.Partial(3));
        using var batcher = new AdviceBatcher(region, MemoryAdvice.MADV_DONTNEED, new AdviceBatcherOptions { Syscalls = syscalls });
        var pages = new[] { 0, 2, 4, 6, 8, 10, 12, 14, 16, 18 };
        foreach (var page in pages)
        {
            batcher.Add(At(region, page), (nuint)P);
        }

        Assert.Equal(10 * P, batcher.Flush());

        Assert.Equal(new[] { 0, 8, 14 }, syscalls.ProcessMadviseCalls.Select(c => PageOf(region, c.Vector[0].Base)).ToArray());
        Assert.Equal(new[] { 10, 6, 3 }, syscalls.ProcessMadviseCalls.Select(c => c.Vector.Length).ToArray());
        Assert.Equal(new[] { 4L * P, 3L * P, 3L * P }, syscalls.ProcessMadviseCalls.Select(c => c.Result).ToArray());
        Assert.Equal(pages, syscalls.Completed().Select(r => PageOf(region, r.Base)).ToArray());
        AssertDropped(region, Flags(20, pages));
    }

    [ProcessMadviseFact]
    public void EintrAndEagainAreRetriedWithTheSameVector()
    {
        using var region = Create(6);
        Fill(region);
        var syscalls = new ScriptedSyscalls();
        syscalls.ProcessMadviseScript.Enqueue(Scripted.Fail(Errno.EINTR));
        syscalls.ProcessMadviseScript.Enqueue(Scripted.Fail(Errno.EAGAIN));
        syscalls.ProcessMadviseScript.Enqueue(Scripted.Partial(1));
        syscalls.ProcessMadviseScript.Enqueue(Scripted.Fail(Errno.EAGAIN));
        using var batcher = new AdviceBatcher(region, MemoryAdvice.MADV_DONTNEED, new AdviceBatcherOptions { Syscalls = syscalls, MaxTransientRetries = 2 });
        batcher.Add(At(region, 0), (nuint)P);
        batcher.Add(At(region, 2), (nuint)P);
        batcher.Add(At(region, 4), (nuint)P);

        Assert.Equal(3 * P, batcher.Flush());

        // Two failures, progress (which resets the count), one failure, then the rest.
        Assert.Equal(new[] { 0, 0, 0, 2, 2 }, syscalls.ProcessMadviseCalls.Select(c => PageOf(region, c.Vector[0].Base)).ToArray());
        Assert.Equal(5, batcher.SystemCalls);
        Assert.True(batcher.UsesProcessMadvise);
        AssertDropped(region, Flags(6, 0, 2, 4));
    }

    [ProcessMadviseFact]
    public void TransientErrorsPastTheRetryLimitAreThrownWithTheRange()
    {
        using var region = Create(4);
        Fill(region);
        var syscalls = new ScriptedSyscalls();
        for (var i = 0; i < 3; i++)
        {
            syscalls.ProcessMadviseScript.Enqueue(Scripted.Fail(Errno.EAGAIN));
        }

        using var batcher = new AdviceBatcher(region, MemoryAdvice.MADV_DONTNEED, new AdviceBatcherOptions { Syscalls = syscalls, MaxTransientRetries = 2 });
        batcher.Add(At(region, 0), (nuint)P);
        batcher.Add(At(region, 2), 2 * (nuint)P);

        var e = Assert.Throws<MadviseException>(() => batcher.Flush());

        Assert.Equal(Errno.EAGAIN, e.Errno);
        Assert.Equal(new IoVec((ulong)region.Address, (ulong)P), e.Range);
        Assert.Contains("process_madvise(", e.Message, StringComparison.Ordinal);
        Assert.Contains("DONTNEED", e.Message, StringComparison.Ordinal);
        Assert.Equal(3, syscalls.ProcessMadviseCalls.Count);

        // The failing range is dropped; the one above it is still pending.
        Assert.Equal(new[] { new IoVec((ulong)At(region, 2), 2 * (ulong)P) }, batcher.PendingForTests);
        Assert.Equal(2 * P, batcher.Flush());
        AssertDropped(region, Flags(4, 2, 3));
    }

    [ProcessMadviseFact]
    public void AnErrorForAPieceOfASplitRangeKeepsTheRestOfThatRangePending()
    {
        using var region = Create(16);
        Fill(region);
        var syscalls = new ScriptedSyscalls();
        syscalls.ProcessMadviseScript.Enqueue(new Scripted(0));
        syscalls.ProcessMadviseScript.Enqueue(Scripted.Fail(Errno.ENOMEM));
        using var batcher = new AdviceBatcher(region, MemoryAdvice.MADV_DONTNEED, new AdviceBatcherOptions { Syscalls = syscalls, MaxBytesPerCall = 4 * (nuint)P });
        batcher.Add(region.Address, region.Length);

        var e = Assert.Throws<MadviseException>(() => batcher.Flush());

        Assert.Equal(Errno.ENOMEM, e.Errno);
        Assert.Equal(new IoVec((ulong)At(region, 4), 4 * (ulong)P), e.Range);
        Assert.Equal(new[] { new IoVec((ulong)At(region, 8), 8 * (ulong)P) }, batcher.PendingForTests);
        AssertDropped(region, Flags(16, 0, 1, 2, 3));

        Fill(region);
        Assert.Equal(8 * P, batcher.Flush());
        AssertDropped(region, Flags(16, 8, 9, 10, 11, 12, 13, 14, 15));
    }

    /// <summary>
    /// Real partial progress: the kernel stops at a locked page (DONTNEED on VM_LOCKED is EINVAL)
    /// and returns the bytes of the ranges below it.
    /// <code>
    /// page    0123456789abcdef0123
    /// adds    A A A A A L A A A A      (L = locked)
    /// call 1  X X X X X !              returns 5 pages
    /// call 2            !              EINVAL; madvise confirms: thrown for page 10
    /// pending             A A A A
    /// </code>
    /// </summary>
    [MlockFact]
    public void TheKernelsPartialProgressIsResumedAndTheFailingRangeReported()
    {
        using var region = Create(20);
        Fill(region);
        HostMemory.Mlock(At(region, 10), (nuint)P);
        var syscalls = new ScriptedSyscalls();
        using var batcher = new AdviceBatcher(region, MemoryAdvice.MADV_DONTNEED, new AdviceBatcherOptions { Syscalls = syscalls });
        for (var page = 0; page < 20; page += 2)
        {
            batcher.Add(At(region, page), (nuint)P);
        }

        var e = Assert.Throws<MadviseException>(() => batcher.Flush());

        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.Equal(new IoVec((ulong)At(region, 10), (ulong)P), e.Range);
        Assert.Equal(new[] { 5L * P, -Errno.EINVAL }, syscalls.ProcessMadviseCalls.Select(c => c.Result).ToArray());
        Assert.Equal(10, PageOf(region, syscalls.ProcessMadviseCalls[1].Vector[0].Base));
        Assert.Equal(4, batcher.PendingRanges);
        AssertDropped(region, Flags(20, 0, 2, 4, 6, 8));

        // Reading the dropped pages mapped the zero page there; fill again to see only the rest go.
        HostMemory.Munlock(At(region, 10), (nuint)P);
        Fill(region);
        Assert.Equal(4 * P, batcher.Flush());
        AssertDropped(region, Flags(20, 12, 14, 16, 18));
    }

    [ProcessMadviseFact]
    public void AnErrorOtherThanARefusalIsThrownForTheFirstRangeOfTheVector()
    {
        using var region = Create(6);
        Fill(region);
        var syscalls = new ScriptedSyscalls();
        syscalls.ProcessMadviseScript.Enqueue(Scripted.Partial(1));
        syscalls.ProcessMadviseScript.Enqueue(Scripted.Fail(Errno.ENOMEM));
        using var batcher = new AdviceBatcher(region, MemoryAdvice.MADV_DONTNEED, new AdviceBatcherOptions { Syscalls = syscalls });
        batcher.Add(At(region, 0), (nuint)P);
        batcher.Add(At(region, 2), (nuint)P);
        batcher.Add(At(region, 4), (nuint)P);

        var e = Assert.Throws<MadviseException>(() => batcher.Flush());

        Assert.Equal(Errno.ENOMEM, e.Errno);
        Assert.Equal(new IoVec((ulong)At(region, 2), (ulong)P), e.Range);
        Assert.Empty(syscalls.MadviseCalls);
        Assert.True(batcher.UsesProcessMadvise);
        Assert.Equal(1, batcher.PendingRanges);
        AssertDropped(region, Flags(6, 0));
    }
}
