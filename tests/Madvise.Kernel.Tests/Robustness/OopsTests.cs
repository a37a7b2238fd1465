using System.Runtime.InteropServices;
using Madvise.Kernel.Syscalls;
using Madvise.Kernel.Tasks;
using Madvise.Kernel.Tests.Shared;
using static Madvise.Abi.MemoryAdvice;

namespace Madvise.Kernel.Tests.Robustness;

/// <summary>
/// Kernel oopses: an exception thrown inside a system call (injected at a <see cref="FaultPoint"/>,
/// each holding other locks) never escapes the entry point and never leaves a lock held. The
/// call returns -ESRCH, the kernel records the oops, the task is dead, and everything else goes
/// on: the address space the call worked on (another task's, for process_madvise) takes its
/// next mmap, the LRU, page cache and allocator locks are free, and a new task works.
/// </summary>
public sealed class OopsTests
{
    private const ulong Page = 4096;

    public static TheoryData<FaultPoint, KernelProfile> Points()
    {
        var data = new TheoryData<FaultPoint, KernelProfile>();
        foreach (var point in Enum.GetValues<FaultPoint>())
        {
            // Pause points of race tests: the swap ones would leave the frame the call holds (a
            // fresh one, or one isolated from the LRU) taken, as an oops does; the guard one holds
            // nothing an oops at the other points does not; the gather one would leave its frames held.
            if (point is not (FaultPoint.None or FaultPoint.SwapInBeforePteLock or FaultPoint.ReclaimSlotWritten or FaultPoint.GuardAfterZap or FaultPoint.GatherBeforeFlush))
            {
                data.Add(point, point == FaultPoint.MadviseVmaLocked ? KernelProfile.PerVmaLock : KernelProfile.BatchedTlb);
            }
        }

        data.Add(FaultPoint.ZapPteLocked, KernelProfile.PerVmaLock);
        data.Add(FaultPoint.VectorBetweenRanges, KernelProfile.BatchedLock);
        return data;
    }

    [Theory]
    [MemberData(nameof(Points))]
    public void AnOopsKillsTheTaskAndReleasesEveryLock(FaultPoint point, KernelProfile profile)
    {
        using var kernel = new SimulatedKernel(KernelConfig.Default with { Profile = profile, MemoryBytes = 64UL << 20, SwapBytes = 16UL << 20 });

        // A bystander shares a file with the victim and owns the address space a remote
        // process_madvise works on.
        var bystander = kernel.CreateProcess();
        var victim = kernel.CreateProcess();
        var file = Sys.CreateFile(bystander, 8 * Page, 0x5a, memfd: false);
        Assert.True(file >= 0);
        var pidfd = Sys.PidfdOpen(victim, bystander.Pid, 0);
        Assert.True(pidfd >= 0);
        var shared = MapFile(bystander, file, shared: true);
        var remote = MapAnon(bystander, 4);
        Assert.Equal(4 * (long)Page, bystander.Mm!.FillUser(remote, 4 * Page, 0x33));

        var anon = MapAnon(victim, 8);
        Assert.Equal(4 * (long)Page, victim.Mm!.FillUser(anon, 4 * Page, 0x11));
        var victimFile = victim.Files.InstallFrom(bystander.Files, file);
        var privateFile = MapFile(victim, victimFile, shared: false);
        var iovecs = MapAnon(victim, 1);

        kernel.Faults.Arm(point);
        var result = TestThreads.Join(TestThreads.Start(() => Reach(point, victim, anon, privateFile, iovecs, pidfd, remote)), $"the call that reaches {point}");

        Assert.False(kernel.Faults.IsArmed, $"{point} was not reached");
        Assert.Equal(-Errno.ESRCH, result);
        var oops = Assert.Single(kernel.Oopses);
        Assert.Equal(point, Assert.IsType<InjectedFaultException>(oops.Exception).Point);
        Assert.Equal(victim.Pid, oops.Pid);
        Assert.True(victim.HasExited);
        Assert.True(victim.FatalSignal.IsPending);
        Assert.Equal(-Errno.ESRCH, Sys.Madvise(victim, anon, Page, MADV_DONTNEED));

        // The bystander's address space and every shared lock are free: its next calls complete.
        var bystanderWorks = TestThreads.Start(() =>
        {
            var more = MapAnon(bystander, 2);
            Assert.Equal(2 * (long)Page, bystander.Mm!.FillUser(more, 2 * Page, 0x44));
            Assert.Equal(0, Sys.Madvise(bystander, remote, 4 * Page, MADV_PAGEOUT));
            Assert.Equal(0, Sys.Madvise(bystander, shared, 8 * Page, MADV_WILLNEED));
            Assert.Equal(0x5a, Read(bystander, shared + Page));
            Assert.Equal(0x33, Read(bystander, remote + (3 * Page)));
            Assert.Equal(0, Sys.Munmap(bystander, more, 2 * Page));
            kernel.Reclaim();
        });
        TestThreads.Join(bystanderWorks, $"the bystander after an oops at {point}");

        // A new task works, fork included.
        var fresh = kernel.CreateProcess();
        var freshWorks = TestThreads.Start(() =>
        {
            var m = MapAnon(fresh, 4);
            Assert.Equal(4 * (long)Page, fresh.Mm!.FillUser(m, 4 * Page, 0x66));
            Assert.True(Sys.Fork(fresh, out var child) > 0);
            Assert.Equal(0, Sys.Madvise(fresh, m, 4 * Page, MADV_DONTNEED));
            Assert.Equal(0x66, Read(child!, m));
            child!.Exit();
        });
        TestThreads.Join(freshWorks, $"a new task after an oops at {point}");

        FrameAudit.Assert(kernel, [bystander.Mm!, fresh.Mm!]);
        bystander.Mm!.AssertInvariants();
        fresh.Exit();
        bystander.Exit();
        Assert.Equal(0, kernel.Memory.FramesInUse);
        Assert.Single(kernel.Oopses);
    }

    /// <summary>The call whose path passes <paramref name="point"/>.</summary>
    private static long Reach(FaultPoint point, TaskStruct victim, ulong anon, ulong privateFile, ulong iovecs, long pidfd, ulong remote) => point switch
    {
        FaultPoint.MmapWriteLocked => Sys.Mmap(victim, 0, Page, 3, MapFlags.MAP_PRIVATE | MapFlags.MAP_ANONYMOUS, -1, 0),
        FaultPoint.MadviseReadLocked => Sys.Madvise(victim, anon, 8 * Page, MADV_COLD),
        FaultPoint.MadviseVmaLocked => Sys.Madvise(victim, anon, 8 * Page, MADV_DONTNEED),
        FaultPoint.ZapPteLocked => Sys.Madvise(victim, anon, 8 * Page, MADV_DONTNEED),
        FaultPoint.FaultPteLocked => Sys.Madvise(victim, anon + (4 * Page), 4 * Page, MADV_POPULATE_READ),
        FaultPoint.PageCacheLocked => Sys.Madvise(victim, privateFile, 8 * Page, MADV_POPULATE_WRITE),
        // The first FREE queues the pages on this CPU's lazy-free batch; the second drains it
        // first, moving them under the LRU lock.
        FaultPoint.LruLocked => Sys.Madvise(victim, anon, 8 * Page, MADV_FREE) is var first && first != 0 ? first : Sys.Madvise(victim, anon, 8 * Page, MADV_FREE),
        FaultPoint.VectorBetweenRanges => ProcessMadvise(victim, iovecs, PidfdConstants.PIDFD_SELF_THREAD_GROUP, (anon, Page), (anon + (2 * Page), Page)),
        FaultPoint.ForkPteLocked => Sys.Fork(victim, out _),
        _ => throw new ArgumentOutOfRangeException(nameof(point)),
    };

    [Fact]
    public void AnOopsInARemoteCallReleasesTheOtherAddressSpacesLock()
    {
        using var kernel = new SimulatedKernel(KernelConfig.Default with { Profile = KernelProfile.BatchedLock, MemoryBytes = 64UL << 20 });
        var target = kernel.CreateProcess();
        var caller = kernel.CreateProcess();
        var mine = MapAnon(target, 4);
        Assert.Equal(4 * (long)Page, target.Mm!.FillUser(mine, 4 * Page, 0x11));
        var pidfd = Sys.PidfdOpen(caller, target.Pid, 0);
        var iovecs = MapAnon(caller, 1);

        kernel.Faults.Arm(FaultPoint.VectorBetweenRanges);
        Assert.Equal(-Errno.ESRCH, ProcessMadvise(caller, iovecs, pidfd, (mine, Page), (mine + (2 * Page), Page), MADV_COLD));
        Assert.True(caller.HasExited);
        Assert.False(target.HasExited);

        // The target's mmap_lock, held across the vector when the oops hit, is free.
        Assert.False(target.Mm!.MmapLock.IsWriteLocked);
        Assert.Equal(0, target.Mm.MmapLock.ReaderCount);
        var next = TestThreads.Join(TestThreads.Start(() => Sys.Mmap(target, 0, Page, 3, MapFlags.MAP_PRIVATE | MapFlags.MAP_ANONYMOUS, -1, 0)), "the target's next mmap");
        Assert.True(next > 0);
        Assert.Equal(0x11, Read(target, mine + (3 * Page)));
    }

    [Fact]
    public void AnOopsWithTheMmapLockDroppedForWillneedReleasesTheFileAndRetakesNothingTwice()
    {
        using var kernel = new SimulatedKernel(KernelConfig.Default with { MemoryBytes = 64UL << 20 });
        var task = kernel.CreateProcess();
        var other = kernel.CreateProcess();
        var fd = Sys.CreateFile(task, 8 * Page, 0x5a, memfd: false);
        var m = MapFile(task, fd, shared: true);
        Assert.Equal(8, kernel.Reclaim());

        // WILLNEED drops the mmap_lock and holds the file; the oops hits in the page cache.
        kernel.Faults.Arm(FaultPoint.PageCacheLocked);
        Assert.Equal(-Errno.ESRCH, Sys.Madvise(task, m, 8 * Page, MADV_WILLNEED));
        Assert.True(task.HasExited);

        // The task's exit dropped the descriptor and the mapping; the call's own file reference
        // went with the oops, so the file and its pages are gone, nothing leaked.
        Assert.Equal(0, kernel.Memory.FramesInUse);
        Assert.True(MapAnon(other, 1) > 0);
    }

    private static ulong MapAnon(TaskStruct task, int pages)
    {
        var r = Sys.Mmap(task, 0, (ulong)pages * Page, 3, MapFlags.MAP_PRIVATE | MapFlags.MAP_ANONYMOUS, -1, 0);
        Assert.True(r > 0, MmBuilder.Errno(r));
        return (ulong)r;
    }

    private static ulong MapFile(TaskStruct task, long fd, bool shared)
    {
        var r = Sys.Mmap(task, 0, 8 * Page, 3, (ulong)(shared ? MapFlags.MAP_SHARED : MapFlags.MAP_PRIVATE), fd, 0);
        Assert.True(r > 0, MmBuilder.Errno(r));
        return (ulong)r;
    }

    private static byte Read(TaskStruct task, ulong addr)
    {
        var one = new byte[1];
        Assert.Equal(1, task.Mm!.ReadUser(addr, one));
        return one[0];
    }

    private static long ProcessMadvise(TaskStruct task, ulong iovecs, long pidfd, (ulong Base, ulong Length) a, (ulong Base, ulong Length) b, MemoryAdvice advice = MADV_DONTNEED)
    {
        IoVec[] vec = [new IoVec(a.Base, a.Length), new IoVec(b.Base, b.Length)];
        Assert.Equal(2L * IoVec.Size, task.Mm!.WriteUser(iovecs, MemoryMarshal.AsBytes(vec.AsSpan())));
        return Sys.ProcessMadvise(task, pidfd, iovecs, 2, advice, 0);
    }
}
