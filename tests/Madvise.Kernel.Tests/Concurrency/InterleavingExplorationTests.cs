using Madvise.Kernel.Mm.Locking;
using Madvise.Kernel.Syscalls;
using Madvise.Kernel.Tasks;
using Madvise.Kernel.Tests.Shared;
using static Madvise.Abi.MemoryAdvice;
using static Madvise.Kernel.Tests.Concurrency.StressMappings;

namespace Madvise.Kernel.Tests.Concurrency;

/// <summary>
/// Systematic exploration of the vector's racy paths with the controlled scheduler
/// (<see cref="FaultPause"/>): a process_madvise vector [X][Y] is stopped at each point it passes
/// (inside the walk under the mmap_lock, under a VMA lock alone in the per-VMA profile, in a zap
/// holding a PTE lock, between its two ranges), and at each stop each competitor runs on another
/// thread — munmap, mprotect, a store, MAP_FIXED over X, fork and exit, a fault of a guard
/// marker's page — until it finishes or waits for a lock the stopped vector holds; then the
/// vector goes on. Every combination is one interleaving, run every time, under every profile.
/// The verdict does not depend on which of them happened: the data, the results, the address
/// space's invariants and every frame's counts must be right.
/// </summary>
public sealed class InterleavingExplorationTests
{
    private const int Pages = 4;

    public enum Competitor
    {
        Munmap,
        MprotectReadOnly,
        Store,
        MapFixedOver,
        ForkAndExit,
        StoreIntoGuard,
    }

    public static TheoryData<KernelProfile, FaultPoint, MemoryAdvice, Competitor> Cases()
    {
        var data = new TheoryData<KernelProfile, FaultPoint, MemoryAdvice, Competitor>();
        foreach (var profile in new[] { KernelProfile.BatchedLock, KernelProfile.BatchedTlb, KernelProfile.PerVmaLock })
        {
            foreach (var point in new[] { FaultPoint.MadviseReadLocked, FaultPoint.MadviseVmaLocked, FaultPoint.ZapPteLocked, FaultPoint.VectorBetweenRanges })
            {
                foreach (var advice in new[] { MADV_DONTNEED, MADV_GUARD_INSTALL })
                {
                    foreach (var competitor in Enum.GetValues<Competitor>())
                    {
                        data.Add(profile, point, advice, competitor);
                    }
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void EveryStopOfTheVectorWithEveryCompetitorKeepsDataAndCounts(KernelProfile profile, FaultPoint point, MemoryAdvice advice, Competitor competitor)
    {
        using var kernel = new SimulatedKernel(new KernelConfig { Profile = profile, MemoryBytes = 32UL << 20 });
        var task = kernel.CreateProcess();
        var mm = task.Mm!;
        var x = MapAnon(task, Pages);
        var y = MapAnon(task, Pages);
        var vec = MapAnon(task, 1);
        Assert.Equal((long)(Pages * Page), mm.FillUser(x, Pages * Page, 0x11));
        Assert.Equal((long)(Pages * Page), mm.FillUser(y, Pages * Page, 0x22));
        WriteIovecs(task, vec, [new IoVec(x, Pages * Page), new IoVec(y, Pages * Page)]);

        long vectorResult;
        long competitorResult = 0;
        using (var pause = kernel.Faults.PauseAt(point))
        {
            var vector = TestThreads.Start(() => ProcessMadviseSelf(task, vec, 2, advice));
            TestThreads.WaitUntil(() => pause.IsReached || vector.IsCompleted, "the vector stopping or finishing");
            if (!pause.IsReached)
            {
                // This profile and advice never pass the point: nothing to explore.
                Assert.Equal(2 * Pages * (long)Page, TestThreads.Join(vector, "the vector"));
                return;
            }

            var other = TestThreads.Start(() => Compete(task, competitor, x));

            // The competitor runs until it is done or waits for what the stopped vector holds:
            // the mmap_lock (its queue shows it), else a spinlock, which only a short grace can
            // tell; either way the vector then goes on, and both orders must be right.
            var grace = DateTime.UtcNow.AddMilliseconds(50);
            TestThreads.WaitUntil(() => other.IsCompleted || mm.MmapLock.QueuedWaiterCount > 0 || DateTime.UtcNow > grace, "the competitor");
            pause.Resume();
            vectorResult = TestThreads.Join(vector, "the vector");
            competitorResult = TestThreads.Join(other, "the competitor");
        }

        // The vector did all of it, or (X unmapped before it got there) failed on X.
        Assert.True(vectorResult == 2 * Pages * (long)Page || (competitor == Competitor.Munmap && vectorResult == -Errno.ENOMEM), $"vector: {MmBuilder.Errno(vectorResult)}");
        var store = competitor is Competitor.Store or Competitor.StoreIntoGuard;
        Assert.True(competitorResult >= 0 || (store && advice == MADV_GUARD_INSTALL && competitorResult == -Errno.EFAULT), $"{competitor}: {MmBuilder.Errno(competitorResult)}");
        Assert.Equal(0, Lockdep.HeldByCurrentThread);
        Assert.Equal(0, kernel.OopsCount);

        // Y: what the advice leaves (zeros after DONTNEED, a guard marker on every page).
        var buffer = new byte[Pages * Page];
        if (advice == MADV_DONTNEED)
        {
            Assert.Equal(buffer.Length, mm.ReadUser(y, buffer));
            Assert.All(buffer, b => Assert.Equal(0, b));
        }
        else
        {
            Assert.Equal(0, mm.ReadUser(y, buffer.AsSpan(0, 1)));
        }

        // X: the values either order can leave. The competitor's byte (0x33 at X, 0x44 at X+1p)
        // survives when it came after the advice; before it, DONTNEED zeroed it and a guard
        // install zapped it and put a marker there.
        var read = mm.ReadUser(x, buffer);
        if (competitor == Competitor.Munmap)
        {
            Assert.Equal(0, read);
        }
        else if (advice == MADV_DONTNEED)
        {
            Assert.Equal(buffer.Length, read);
            for (var i = 0; i < buffer.Length; i++)
            {
                var mine = (competitor is Competitor.Store or Competitor.MapFixedOver && i == 0 && buffer[i] == 0x33)
                    || (competitor == Competitor.StoreIntoGuard && i == (int)Page && buffer[i] == 0x44);
                Assert.True(buffer[i] == 0 || mine, $"X byte {i} is {buffer[i]:x2}");
            }
        }
        else
        {
            // Guarded, unless MAP_FIXED replaced X after the install (a new VMA, no markers).
            Assert.True(read == 0 || (competitor == Competitor.MapFixedOver && read == buffer.Length && buffer[0] == 0x33), $"X read {read} bytes");
        }

        mm.AssertInvariants();
        FrameAudit.Assert(kernel, [mm]);
        Assert.False(mm.MmapLock.IsWriteLocked || mm.MmapLock.ReaderCount != 0, "an mmap_lock is still held");
        task.Exit();
        AssertAllMemoryBack(kernel, "after exit");
    }

    /// <summary>Runs <paramref name="competitor"/> on X; its result (bytes or 0, or a negative errno).</summary>
    private static long Compete(TaskStruct task, Competitor competitor, ulong x)
    {
        switch (competitor)
        {
            case Competitor.Munmap:
                return Sys.Munmap(task, x, Pages * Page);
            case Competitor.MprotectReadOnly:
                return Sys.Mprotect(task, x, Pages * Page, (ulong)Prot.PROT_READ);
            case Competitor.Store:
                return task.Mm!.FillUser(x, 1, 0x33) == 1 ? 0 : -Errno.EFAULT;
            case Competitor.MapFixedOver:
            {
                var m = Sys.Mmap(task, x, Pages * Page, 3, (ulong)(MapFlags.MAP_PRIVATE | MapFlags.MAP_ANONYMOUS | MapFlags.MAP_FIXED), -1, 0);
                return m < 0 ? m : task.Mm!.FillUser(x, 1, 0x33) == 1 ? 0 : -Errno.EFAULT;
            }

            case Competitor.ForkAndExit:
            {
                var r = Sys.Fork(task, out var child);
                child?.Exit();
                return child is null ? r : 0;
            }

            default:
                // A store into X, which a guard install may have marked already (-EFAULT then).
                return task.Mm!.FillUser(x + Page, 1, 0x44) == 1 ? 0 : -Errno.EFAULT;
        }
    }
}
