using Madvise.Host.Tests.Shared;
using Madvise.Abi;
using static Madvise.Host.Tests.Batcher.RegionPages;

namespace Madvise.Host.Tests.Batcher;

/// <summary>The switch to madvise when the kernel refuses process_madvise, forced and real.</summary>
public sealed class AdviceBatcherFallbackTests
{
    /// <summary>Every other page of 12: six separate ranges.</summary>
    private static readonly int[] EveryOther = [0, 2, 4, 6, 8, 10];

    /// <summary>
    /// process_madvise "answers" the errno (the hook never reaches the kernel with it); madvise
    /// is real. ENOSYS switches at once; EPERM and EINVAL switch once madvise accepts the range.
    /// </summary>
    [ProcessMadviseTheory]
    [InlineData(Errno.ENOSYS)]
    [InlineData(Errno.EPERM)]
    [InlineData(Errno.EINVAL)]
    public void ARefusedProcessMadviseFallsBackToMadviseAndRemembers(int errno)
    {
        using var region = Create(12);
        Fill(region);
        var syscalls = new ScriptedSyscalls { ProcessMadviseAlwaysErrno = errno };
        using var batcher = new AdviceBatcher(region, MemoryAdvice.MADV_DONTNEED, new AdviceBatcherOptions { Syscalls = syscalls });
        AddPages(batcher, region, EveryOther[..3]);

        Assert.Equal(3 * P, batcher.Flush());

        Assert.False(batcher.UsesProcessMadvise);
        Assert.Equal(errno, batcher.FallbackErrno);
        Assert.Single(syscalls.ProcessMadviseCalls);
        Assert.Equal(new[] { 0, 2, 4 }, syscalls.MadviseCalls.Select(c => PageOf(region, c.Range.Base)).ToArray());
        Assert.All(syscalls.MadviseCalls, c => Assert.Equal(0, c.Result));
        AssertDropped(region, Flags(12, 0, 2, 4));

        // Remembered: the next flush goes straight to madvise.
        Fill(region);
        AddPages(batcher, region, EveryOther[3..]);
        Assert.Equal(3 * P, batcher.Flush());
        Assert.Single(syscalls.ProcessMadviseCalls);
        Assert.Equal(6, syscalls.MadviseCalls.Count);
        Assert.Equal(7, batcher.SystemCalls);
        AssertDropped(region, Flags(12, 6, 8, 10));
    }

    [Fact]
    public void WithProcessMadviseSwitchedOffNoPidfdIsOpenedAndEveryRangeIsOneMadvise()
    {
        using var region = Create(12);
        Fill(region);
        var syscalls = new ScriptedSyscalls();
        using var batcher = new AdviceBatcher(region, MemoryAdvice.MADV_DONTNEED, new AdviceBatcherOptions { Syscalls = syscalls, UseProcessMadvise = false, MaxBytesPerCall = 2 * (nuint)P });
        Assert.Equal(-1, batcher.PidfdNumberForTests);
        Assert.False(batcher.UsesProcessMadvise);
        Assert.Equal(0, batcher.FallbackErrno);

        batcher.Add(At(region, 1), 5 * (nuint)P);
        batcher.Add(At(region, 8), (nuint)P);
        Assert.Equal(6 * P, batcher.Flush());

        Assert.Empty(syscalls.ProcessMadviseCalls);
        Assert.Equal(new[] { (1, 2), (3, 2), (5, 1), (8, 1) }, syscalls.MadviseCalls.Select(c => (PageOf(region, c.Range.Base), (int)(c.Range.Len / (ulong)P))).ToArray());
        AssertDropped(region, Flags(12, 1, 2, 3, 4, 5, 8));
    }

    /// <summary>
    /// EINVAL from process_madvise for a range madvise refuses too (DONTNEED on a locked page) is
    /// the range's error, not a refusal of process_madvise: it is thrown and nothing is remembered.
    /// </summary>
    [MlockFact]
    public void AnEinvalMadviseConfirmsIsTheRangesErrorNotARefusal()
    {
        using var region = Create(4);
        Fill(region);
        HostMemory.Mlock(At(region, 1), (nuint)P);
        var syscalls = new ScriptedSyscalls();
        using var batcher = new AdviceBatcher(region, MemoryAdvice.MADV_DONTNEED, new AdviceBatcherOptions { Syscalls = syscalls });
        batcher.Add(At(region, 1), (nuint)P);
        batcher.Add(At(region, 3), (nuint)P);

        var e = Assert.Throws<MadviseException>(() => batcher.Flush());

        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.Equal(new IoVec((ulong)At(region, 1), (ulong)P), e.Range);
        Assert.StartsWith("madvise(0x", e.Operation, StringComparison.Ordinal);
        Assert.True(batcher.UsesProcessMadvise);
        Assert.Equal(0, batcher.FallbackErrno);
        Assert.Equal(1, batcher.PendingRanges);
        Assert.Equal(Errno.EINVAL, Assert.Single(syscalls.MadviseCalls).Result * -1);

        HostMemory.Munlock(At(region, 1), (nuint)P);
        Assert.Equal(P, batcher.Flush());
        Assert.Equal(2, syscalls.ProcessMadviseCalls.Count);
        AssertDropped(region, Flags(4, 3));
    }

    /// <summary>
    /// A real refusal: a seccomp filter on the flushing thread makes the kernel answer the errno
    /// for process_madvise on the batcher's pidfd, as a container's seccomp profile would.
    /// </summary>
    [SeccompTheory]
    [InlineData(Errno.ENOSYS)]
    [InlineData(Errno.EPERM)]
    [InlineData(Errno.EINVAL)]
    public void AKernelThatRefusesProcessMadviseGetsMadviseInstead(int errno)
    {
        using var region = Create(12);
        Fill(region);
        var syscalls = new ScriptedSyscalls();
        using var batcher = new AdviceBatcher(region, MemoryAdvice.MADV_DONTNEED, new AdviceBatcherOptions { Syscalls = syscalls });
        AddPages(batcher, region, EveryOther);

        long advised = 0;
        SeccompRefusal.Run(batcher.PidfdNumberForTests, errno, () => advised = batcher.Flush());

        Assert.Equal(6 * P, advised);
        Assert.Equal(-errno, Assert.Single(syscalls.ProcessMadviseCalls).Result);
        Assert.False(batcher.UsesProcessMadvise);
        Assert.Equal(errno, batcher.FallbackErrno);
        Assert.Equal(EveryOther, syscalls.MadviseCalls.Select(c => PageOf(region, c.Range.Base)).ToArray());
        AssertDropped(region, Flags(12, EveryOther));
    }

    private static void AddPages(AdviceBatcher batcher, MappedRegion region, int[] pages)
    {
        foreach (var page in pages)
        {
            batcher.Add(At(region, page), (nuint)P);
        }
    }
}
