using Madvise.Kernel.Mm.Locking;
using Madvise.Kernel.Syscalls;
using Madvise.Kernel.Tasks;
using Madvise.Kernel.Tests.Shared;
using static Madvise.Abi.MemoryAdvice;
using static Madvise.Kernel.Tests.Concurrency.StressMappings;

namespace Madvise.Kernel.Tests.Concurrency;

/// <summary>
/// Swap-in against reclaim, explored with the controlled scheduler (<see cref="FaultPause"/>): a
/// swap-in fault stopped after its lockless look at the swap entry (before the PTE lock), and
/// reclaim stopped with the page written to its slot but still mapped, each with every competitor
/// run at the stop — a load, a store, DONTNEED, munmap, fork and exit, PAGEOUT, reclaim — then
/// let go. The bytes read and left, the address space's invariants, every frame's counts and, once
/// the process exits, every frame and swap slot must be right whatever the order.
/// </summary>
public sealed class SwapInterleavingTests
{
    public enum Competitor
    {
        Load,
        Store,
        DontNeed,
        Munmap,
        ForkAndExit,
        PageOut,
        Reclaim,
    }

    public static TheoryData<FaultPoint, Competitor> Cases()
    {
        var data = new TheoryData<FaultPoint, Competitor>();
        foreach (var point in new[] { FaultPoint.SwapInBeforePteLock, FaultPoint.ReclaimSlotWritten })
        {
            foreach (var competitor in Enum.GetValues<Competitor>())
            {
                data.Add(point, competitor);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void AStoppedSwapInOrReclaimWithEveryCompetitorKeepsTheData(FaultPoint point, Competitor competitor)
    {
        using var kernel = new SimulatedKernel(KernelConfig.Default with { MemoryBytes = 32UL << 20, SwapBytes = 8UL << 20 });
        var task = kernel.CreateProcess();
        var mm = task.Mm!;
        var p = MapAnon(task, 1);
        Assert.Equal((long)Page, mm.FillUser(p, Page, 0x11));
        if (point == FaultPoint.SwapInBeforePteLock)
        {
            Assert.Equal(0, Sys.Madvise(task, p, Page, MADV_PAGEOUT));
            Assert.True(mm.PageTable.ReadPte(p).IsSwap);
        }

        var seen = new byte[1];
        long stoppedResult;
        long competitorResult;
        using (var pause = kernel.Faults.PauseAt(point))
        {
            // The stopped side: a load that swaps the page in, or PAGEOUT that swaps it out.
            var stopped = TestThreads.Start(() => point == FaultPoint.SwapInBeforePteLock
                ? mm.ReadUser(p, seen)
                : Sys.Madvise(task, p, Page, MADV_PAGEOUT));
            Assert.True(pause.WaitReached(TestThreads.HangGuard), $"nothing reached {point}");

            var other = TestThreads.Start(() => Compete(kernel, task, competitor, p));
            var grace = DateTime.UtcNow.AddMilliseconds(50);
            TestThreads.WaitUntil(() => other.IsCompleted || mm.MmapLock.QueuedWaiterCount > 0 || DateTime.UtcNow > grace, "the competitor");
            pause.Resume();
            stoppedResult = TestThreads.Join(stopped, "the stopped call");
            competitorResult = TestThreads.Join(other, "the competitor");
        }

        Assert.True(competitorResult >= 0, $"{competitor}: {MmBuilder.Errno(competitorResult)}");
        Assert.Equal(0, Lockdep.HeldByCurrentThread);
        Assert.Equal(0, kernel.OopsCount);

        // What the page may hold: its data, the competitor's store, or zeros after DONTNEED.
        var now = new byte[Page];
        var read = mm.ReadUser(p, now);
        if (competitor == Competitor.Munmap)
        {
            Assert.Equal(0, read);
        }
        else
        {
            Assert.Equal((long)Page, read);
            var expected = competitor switch
            {
                Competitor.Store => (byte)0x33,
                Competitor.DontNeed => (byte)0,
                _ => (byte)0x11,
            };
            Assert.All(now, b => Assert.Equal(expected, b));
        }

        if (point == FaultPoint.SwapInBeforePteLock)
        {
            // The stopped load read the data, or the competitor's (a store, DONTNEED's zeros)
            // if that came first; after munmap it may have found nothing.
            Assert.True(
                (stoppedResult == 1 && seen[0] is 0x11 or 0x33 or 0) || (competitor == Competitor.Munmap && stoppedResult == 0),
                $"the stopped load read {stoppedResult} bytes: {seen[0]:x2}");
            Assert.True(seen[0] != 0x33 || competitor == Competitor.Store);
            Assert.True(seen[0] != 0 || competitor is Competitor.DontNeed or Competitor.Munmap);
        }
        else
        {
            Assert.True(stoppedResult is 0 || (competitor == Competitor.Munmap && stoppedResult == -Errno.ENOMEM), $"PAGEOUT: {MmBuilder.Errno(stoppedResult)}");
        }

        mm.AssertInvariants();
        FrameAudit.Assert(kernel, [mm]);
        task.Exit();
        AssertAllMemoryBack(kernel, "after exit");
        Assert.Equal(0, kernel.Swap!.UsedSlots);
    }

    private static long Compete(SimulatedKernel kernel, TaskStruct task, Competitor competitor, ulong p)
    {
        var one = new byte[1];
        switch (competitor)
        {
            case Competitor.Load:
                return task.Mm!.ReadUser(p, one) == 1 && one[0] == 0x11 ? 0 : -Errno.EFAULT;
            case Competitor.Store:
                return task.Mm!.FillUser(p, Page, 0x33) == (long)Page ? 0 : -Errno.EFAULT;
            case Competitor.DontNeed:
                return Sys.Madvise(task, p, Page, MADV_DONTNEED);
            case Competitor.Munmap:
                return Sys.Munmap(task, p, Page);
            case Competitor.ForkAndExit:
            {
                var r = Sys.Fork(task, out var child);
                var ok = child is not null && child.Mm!.ReadUser(p, one) == 1 && one[0] == 0x11;
                child?.Exit();
                return child is null ? r : ok ? 0 : -Errno.EFAULT;
            }

            case Competitor.PageOut:
                return Sys.Madvise(task, p, Page, MADV_PAGEOUT);
            default:
                kernel.Reclaim();
                return 0;
        }
    }
}
