using Madvise.Kernel.Advice;
using Madvise.Kernel.Tests.Shared;
using static Madvise.Abi.MemoryAdvice;
using static Madvise.Kernel.Tests.Concurrency.StressMappings;

namespace Madvise.Kernel.Tests.Concurrency;

/// <summary>
/// The vector's retry on -ERESTARTNOINTR, made to happen every time with the controlled scheduler
/// (<see cref="FaultPause"/>): GUARD_INSTALL of [X][Y] is stopped after each zap of X
/// (<see cref="FaultPoint.GuardAfterZap"/>) and a store faults X's page in again, so every pass
/// loses, the range gives up with -ERESTARTNOINTR, and the vector drops its lock, takes it again
/// and retries X — which then wins. With a fatal signal raised during the last stop, the retry
/// ends the call with -EINTR instead (nothing was done before X). The timing-based
/// <see cref="GuardRetryRaceTests"/> hit these paths in some of 500 attempts.
/// </summary>
public sealed class VectorRetryInterleavingTests
{
    private const int Pages = 4;

    [Theory]
    [InlineData(KernelProfile.PerRangeLock, false)]
    [InlineData(KernelProfile.BatchedLock, false)]
    [InlineData(KernelProfile.BatchedTlb, false)]
    [InlineData(KernelProfile.PerVmaLock, false)]
    [InlineData(KernelProfile.PerRangeLock, true)]
    [InlineData(KernelProfile.BatchedLock, true)]
    [InlineData(KernelProfile.BatchedTlb, true)]
    [InlineData(KernelProfile.PerVmaLock, true)]
    public void EveryPassLostToAFaultRetriesTheRangeOrEndsWithEintr(KernelProfile profile, bool fatalSignal)
    {
        using var kernel = new SimulatedKernel(new KernelConfig { Profile = profile, MemoryBytes = 32UL << 20 });
        var task = kernel.CreateProcess();
        var mm = task.Mm!;
        var x = MapAnon(task, Pages);
        var y = MapAnon(task, Pages);
        var vec = MapAnon(task, 1);
        Assert.Equal((long)(Pages * Page), mm.FillUser(x, Pages * Page, 0x11));
        WriteIovecs(task, vec, [new IoVec(x, Pages * Page), new IoVec(y, Pages * Page)]);
        var retriesBefore = kernel.Stats.VectorRetries;

        var pause = kernel.Faults.PauseAt(FaultPoint.GuardAfterZap);
        var vector = TestThreads.Start(() => ProcessMadviseSelf(task, vec, 2, MADV_GUARD_INSTALL));
        for (var pass = 0; pass < Guard.MaxRetries; pass++)
        {
            Assert.True(pause.WaitReached(TestThreads.HangGuard), $"pass {pass} of the install did not zap");

            // A fault puts a page back where the install has just zapped: its next pass loses.
            Assert.Equal(1, mm.FillUser(x, 1, 0x33));
            if (pass == Guard.MaxRetries - 1 && fatalSignal)
            {
                task.FatalSignal.Raise();
            }

            // The next stop is armed before this one goes on, so the install cannot pass it unseen.
            var next = pass < Guard.MaxRetries - 1 ? kernel.Faults.PauseAt(FaultPoint.GuardAfterZap) : null;
            pause.Resume();
            pause.Dispose();
            pause = next!;
        }

        var result = TestThreads.Join(vector, "the vector");
        if (fatalSignal)
        {
            Assert.Equal(-Errno.EINTR, result);
            task.FatalSignal.Clear();
        }
        else
        {
            // The retry won: every page of both ranges holds a marker.
            Assert.Equal(2 * Pages * (long)Page, result);
            Assert.Equal(1, kernel.Stats.VectorRetries - retriesBefore);
            Assert.Equal(0, mm.FillUser(x, 1, 0x44));
            Assert.Equal(0, mm.FillUser(y + ((Pages - 1) * Page), 1, 0x44));
        }

        Assert.Equal(0, kernel.OopsCount);
        mm.AssertInvariants();
        FrameAudit.Assert(kernel, [mm]);
        task.Exit();
        AssertAllMemoryBack(kernel, "after exit");
    }
}
