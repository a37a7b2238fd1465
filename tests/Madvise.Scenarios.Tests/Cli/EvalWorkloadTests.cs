using Madvise.Host;
using Madvise.Kernel;
using Madvise.Abi;

namespace Madvise.Scenarios.Tests.Cli;

/// <summary>The sim and host workloads and writers on tiny buffers: passes succeed, counters and errors are right.</summary>
public sealed class EvalWorkloadTests
{
    private static readonly WorkloadSpec Small = new(64UL << 10, 4096, MemoryAdvice.MADV_DONTNEED);

    [Theory]
    [InlineData(KernelProfile.PerRangeLock, 0, 16, 16)]
    [InlineData(KernelProfile.BatchedLock, 0, 16, 16)]
    [InlineData(KernelProfile.BatchedTlb, 4, -1, 4)]
    [InlineData(KernelProfile.BatchedTlb, 16, -1, 1)]
    [InlineData(KernelProfile.PerVmaLock, 0, 0, 16)]
    public void SimPass_CountsLocksAndFlushes(KernelProfile profile, int batch, long locks, long flushes)
    {
        using var w = new SimWorkload(profile, Small);
        Assert.Null(w.Populate());
        var pass = w.RunPass(batch, 0);
        Assert.Null(pass.Error);
        Assert.True(pass.Nanoseconds > 0);
        if (locks >= 0)
        {
            Assert.Equal(locks, pass.LockAcquisitions);
        }

        Assert.Equal(flushes, pass.TlbFlushes);
    }

    [Fact]
    public void SimPass_OneThread_FlushesOnlyLocally()
    {
        using var w = new SimWorkload(KernelProfile.BatchedLock, Small);
        Assert.Null(w.Populate());
        var pass = w.RunPass(0, 0);
        Assert.Equal(16, pass.TlbFlushes);
        Assert.Equal(0, pass.RemoteFlushes);
        Assert.Equal("BatchedLock", w.Label);
    }

    [Theory]
    [InlineData(KernelProfile.BatchedLock, 0, 16)]
    [InlineData(KernelProfile.BatchedTlb, 16, 1)]
    public void SimPass_TouchingSiblings_AreInterruptedByEveryShootdown(KernelProfile profile, int batch, long flushes)
    {
        // Running siblings have the mm loaded and are not lazy: every flush visits each of them.
        using var w = new SimWorkload(profile, Small, threads: 3, SiblingWork.Touch);
        Assert.Equal(3, w.Threads);
        Assert.EndsWith(" t3", w.Label, StringComparison.Ordinal);
        for (var i = 0; i < 3; i++)
        {
            Assert.Null(w.Populate());
            var pass = w.RunPass(batch, 0);
            Assert.Null(pass.Error);
            Assert.Equal(flushes, pass.TlbFlushes);
            Assert.Equal(2 * flushes, pass.RemoteFlushes);
        }
    }

    [Fact]
    public void SimPass_SleepingSiblings_PassSucceeds_AndNeverMoreThanOneVisitPerSiblingAndFlush()
    {
        using var w = new SimWorkload(KernelProfile.BatchedLock, Small, threads: 2);
        Assert.Null(w.Populate());
        var pass = w.RunPass(0, 0);
        Assert.Null(pass.Error);
        Assert.InRange(pass.RemoteFlushes, 0, pass.TlbFlushes);
    }

    [Fact]
    public void HostPass_WithSiblings_Succeeds()
    {
        using var w = new HostWorkload(Small, threads: 2, SiblingWork.Touch);
        Assert.Equal("host t2", w.Label);
        Assert.Null(w.Populate());
        Assert.Null(w.RunPass(0, 0).Error);
    }

    [Fact]
    public void SimPass_BatchedLock_TakesTheLockPerVector_PerRangeLock_PerRange()
    {
        using var before = new SimWorkload(KernelProfile.PerRangeLock, Small);
        using var after = new SimWorkload(KernelProfile.BatchedLock, Small);
        Assert.Null(before.Populate());
        Assert.Null(after.Populate());
        var b = before.RunPass(4, 0);
        var a = after.RunPass(4, 0);

        // 16 ranges: 16 acquisitions before the series, 4 after (plus, in both, any the iovec
        // import's page walks take).
        Assert.Equal(12, b.LockAcquisitions - a.LockAcquisitions);
    }

    [Fact]
    public void SimPass_Cap_SplitsVectorsIntoMoreCalls()
    {
        using var w = new SimWorkload(KernelProfile.BatchedTlb, Small);
        Assert.Null(w.Populate());
        Assert.Equal(1, w.RunPass(16, 0).TlbFlushes);
        Assert.Null(w.Populate());
        Assert.Equal(4, w.RunPass(16, 4).TlbFlushes);
    }

    [Fact]
    public void SimPass_RejectedHint_NamesTheErrno()
    {
        using var w = new SimWorkload(KernelProfile.BatchedLock, Small with { Hint = MemoryAdvice.MADV_REMOVE });
        Assert.Equal("EINVAL", w.RunPass(0, 0).Error);
        Assert.Equal("process_madvise: EINVAL", w.RunPass(4, 0).Error);
    }

    [Fact]
    public void SimGuardInstall_PopulateRemovesTheGuards()
    {
        using var w = new SimWorkload(KernelProfile.PerVmaLock, Small with { Hint = MemoryAdvice.MADV_GUARD_INSTALL });
        for (var i = 0; i < 2; i++)
        {
            Assert.Null(w.Populate());
            Assert.Null(w.RunPass(4, 0).Error);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SimWriter_StepsSucceed(bool mprotect)
    {
        using var w = new SimWorkload(KernelProfile.BatchedLock, Small);
        using var writer = w.CreateWriter(mprotect ? WriterKind.Mprotect : WriterKind.Mmap);
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(0, writer.Step());
        }
    }

    [Fact]
    public void HostPass_MadviseAndVectors()
    {
        using var w = new HostWorkload(Small);
        Assert.Null(w.Populate());
        var madvise = w.RunPass(0, 0);
        Assert.Null(madvise.Error);
        Assert.Equal(-1, madvise.LockAcquisitions);
        Assert.Null(w.Populate());
        var vector = w.RunPass(8, 3);
        var probe = HostKernel.ProbeProcessMadvise(MemoryAdvice.MADV_DONTNEED);
        if (probe == 0)
        {
            Assert.Null(vector.Error);
        }
        else
        {
            Assert.Equal("process_madvise: " + Errno.Name(probe), vector.Error);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void HostWriter_StepsSucceed(bool mprotect)
    {
        using var writer = new HostMmapWriter(mprotect ? WriterKind.Mprotect : WriterKind.Mmap);
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(0, writer.Step());
        }
    }
}
