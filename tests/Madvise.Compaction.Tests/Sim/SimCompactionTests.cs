using Madvise.Abi;
using Madvise.Compaction.Engine;
using Madvise.Compaction.Layout;
using Madvise.Compaction.Sim;
using Madvise.Kernel;
using Madvise.Kernel.Tasks;

namespace Madvise.Compaction.Tests.Sim;

/// <summary>The engine against a task of the simulated kernel, under every profile.</summary>
public class SimCompactionTests
{
    private static readonly TargetLayout Small = TargetLayout.Generate(16UL << 20, 80, seed: 7);

    public static TheoryData<KernelProfile> Profiles => [.. Enum.GetValues<KernelProfile>()];

    private static long Kib(MappingKind kind, TargetLayout layout) =>
        (long)layout.Mappings.Where(m => m.Kind == kind).Sum(m => (double)m.TouchedBytes) / 1024;

    [Theory]
    [MemberData(nameof(Profiles))]
    public void WithSwapTheAnonymousMemoryGoesToSwap(KernelProfile profile)
    {
        using var world = SimCompactionWorld.Create(profile, Small, swapBytes: 64UL << 20);
        using var target = world.CreateTarget();
        var result = new CompactionEngine(target, new CompactionOptions()).Run();

        Assert.Equal(CompactionOutcome.Completed, result.Outcome);

        // What stays anonymous: the locked mapping (EINVAL) and the copies-on-write of the writable
        // file mappings (they are file mappings: COLD, not PAGEOUT, in the all mode).
        var kept = Kib(MappingKind.Locked, Small) + Kib(MappingKind.FileWritable, Small);
        var anon = Kib(MappingKind.Anon, Small);
        Assert.Equal(anon + kept, result.Before!.AnonKiB);
        Assert.Equal(kept, result.After!.AnonKiB);
        Assert.Equal(anon, result.After.SwapKiB);
        Assert.Equal(anon, result.AnonFreedKiB);
        Assert.Equal(result.Before.FileKiB, result.After.FileKiB);

        var einval = Assert.Single(result.Errors, e => e.Errno == Errno.EINVAL && e.Advice == MemoryAdvice.MADV_PAGEOUT);
        Assert.Equal((ulong)Small.Mappings.Single(m => m.Kind == MappingKind.Locked).Bytes, result.Errors.Where(e => e.Advice == MemoryAdvice.MADV_PAGEOUT).Aggregate(0UL, (s, e) => s + e.BytesSkipped));
        Assert.Equal("skipped mapping", einval.Action);
        Assert.Equal(result.Plan!.Bytes, result.BytesAdvised + result.BytesSkipped);
        Assert.Equal(result.Calls, result.PerAdvice.Sum(t => t.Calls));
        Assert.DoesNotContain(result.Notes, n => n.StartsWith("no swap", StringComparison.Ordinal));
        world.TargetTask.Mm!.AssertInvariants();
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void FixedBatchingAndTheBudgetLeaveTheSameState(KernelProfile profile)
    {
        MemoryRollup Compact(SizingStrategy strategy, out CompactionResult result)
        {
            using var world = SimCompactionWorld.Create(profile, Small, swapBytes: 64UL << 20);
            using var target = world.CreateTarget();
            result = new CompactionEngine(target, new CompactionOptions { Strategy = strategy }).Run();
            return result.After!;
        }

        var budget = Compact(SizingStrategy.Budget, out var budgeted);
        var fixedBatch = Compact(SizingStrategy.Fixed, out var batched);
        Assert.Equal(fixedBatch, budget);
        Assert.Equal(batched.BytesAdvised, budgeted.BytesAdvised);
        Assert.True(budgeted.Calls > batched.Calls);
    }

    [Fact]
    public void WithoutSwapAnonymousMemoryStaysAndTheResultSaysSo()
    {
        using var world = SimCompactionWorld.Create(KernelProfile.BatchedLock, Small, swapBytes: 0);
        using var target = world.CreateTarget();
        var result = new CompactionEngine(target, new CompactionOptions { Mode = CompactionMode.Anon }).Run();

        Assert.Equal(CompactionOutcome.Completed, result.Outcome);
        Assert.Equal(result.Before!.AnonKiB, result.After!.AnonKiB);
        Assert.Equal(0, result.AnonFreedKiB);
        Assert.Contains(result.Notes, n => n.StartsWith("no swap: anonymous pages cannot be paged out without swap", StringComparison.Ordinal));
    }

    [Fact]
    public void FilePageoutFreesCleanFilePagesWithoutSwap()
    {
        using var world = SimCompactionWorld.Create(KernelProfile.PerVmaLock, Small, swapBytes: 0);
        using var target = world.CreateTarget();
        var result = new CompactionEngine(target, new CompactionOptions { Mode = CompactionMode.File, FilePageout = true }).Run();

        // Read-only file pages are clean and mapped once: dropped. The shmem of the shared mappings
        // is not in the file mode's plan and stays.
        Assert.Equal(Kib(MappingKind.FileReadOnly, Small), result.FileFreedKiB);
        Assert.Equal(Kib(MappingKind.SharedAnon, Small), result.After!.FileKiB);
    }

    [Fact]
    public void ACompactorWithoutCapSysNiceGetsEpermBeforeAnyRange()
    {
        var noNice = Credentials.Root.Without(Capability.CAP_SYS_NICE);
        using var world = SimCompactionWorld.Create(KernelProfile.BatchedTlb, Small, swapBytes: 64UL << 20, noNice);
        using var target = world.CreateTarget();
        var result = new CompactionEngine(target, new CompactionOptions()).Run();

        Assert.Equal(CompactionOutcome.Failed, result.Outcome);
        Assert.Equal(Errno.EPERM, result.StopErrno);
        Assert.Equal(0, result.Calls);
        Assert.Equal(result.Before, result.After);
        Assert.Contains("CAP_SYS_NICE", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ACompactorOfAnotherUserCannotReadTheMaps()
    {
        using var world = SimCompactionWorld.Create(KernelProfile.BatchedTlb, Small, swapBytes: 0, new Credentials(1000, 1000, 0));
        using var target = world.CreateTarget();
        var result = new CompactionEngine(target, new CompactionOptions()).Run();

        Assert.Equal(CompactionOutcome.Failed, result.Outcome);
        Assert.Equal(Errno.EACCES, result.StopErrno);
        Assert.Null(result.Plan);
        Assert.Contains("PTRACE_MODE_READ", result.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void ATargetThatExitsMidwayEndsItWithWhatWasDone(KernelProfile profile)
    {
        using var world = SimCompactionWorld.Create(profile, Small, swapBytes: 64UL << 20);
        using var target = world.CreateTarget();
        var engine = new CompactionEngine(target, new CompactionOptions())
        {
            CallCompleted = c =>
            {
                if (c.Sequence == 4)
                {
                    world.TargetTask.Exit();
                }
            },
        };
        var result = engine.Run();

        Assert.Equal(CompactionOutcome.TargetExited, result.Outcome);
        Assert.Equal(Errno.ESRCH, result.StopErrno);
        Assert.Equal(6, result.Calls);
        Assert.True(result.BytesAdvised > 0);
        Assert.Null(result.After);
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void AWriterInTheTargetMayUnmapWhatIsBeingCompacted(KernelProfile profile)
    {
        // A thread of the target maps and unmaps pages among its mappings while the compactor
        // works: ranges that vanished are skipped (ENOMEM) and everything else is advised.
        using var world = SimCompactionWorld.Create(profile, Small, swapBytes: 64UL << 20);
        using var target = world.CreateTarget();
        var holes = world.Layout.Addresses.Select((a, i) => a + Small.Mappings[i].Bytes).ToArray();
        using var stop = new CancellationTokenSource();
        var writer = new Thread(() =>
        {
            var task = world.TargetTask;
            var n = 0;
            while (!stop.IsCancellationRequested)
            {
                var hole = holes[n++ % holes.Length];
                if (Madvise.Kernel.Syscalls.Sys.Mmap(task, hole, PageSize.PAGE_SIZE, Prot.PROT_READ | Prot.PROT_WRITE, MapFlags.MAP_PRIVATE | MapFlags.MAP_ANONYMOUS | MapFlags.MAP_FIXED_NOREPLACE, -1, 0) >= 0)
                {
                    task.Mm!.FillUser(hole, 1, 1);
                    Madvise.Kernel.Syscalls.Sys.Munmap(task, hole, PageSize.PAGE_SIZE);
                }
            }
        });
        writer.Start();
        var result = new CompactionEngine(target, new CompactionOptions { Budget = TimeSpan.FromMicroseconds(100) }).Run();
        stop.Cancel();
        writer.Join();

        Assert.Equal(CompactionOutcome.Completed, result.Outcome);
        Assert.All(result.Errors, e => Assert.Contains(e.Errno, new[] { 0, Errno.EINVAL, Errno.ENOMEM }));
        Assert.Equal(result.Plan!.Bytes, result.BytesAdvised + result.BytesSkipped);
        world.TargetTask.Mm!.AssertInvariants();
    }
}
