using Madvise.Kernel;
using Madvise.Replay.Replay;
using Madvise.Replay.Tests.Shared;

namespace Madvise.Replay.Tests.Replay;

/// <summary>
/// The traces recorded on this machine (tests/traces), replayed: the simulated kernel reproduces
/// every judged result but one (a -ff file holds one process only, and its child's kill is in
/// the other file), and the counts of calls judged and not judged are pinned.
/// </summary>
public sealed class RecordedTraceTests
{
    [Theory]
    [InlineData("redis/redis-bench.log", 284, 276, 8)]
    [InlineData("redis/redis-bgthread.log", 5875, 5862, 13)]
    [InlineData("redis/redis-attach.log", 180, 179, 1)]
    [InlineData("redis/redis-attach-plain.log", 164, 163, 1)]
    [InlineData("node/node-gc.log", 2601, 2359, 242)]
    [InlineData("python/python-alloc.log", 348, 263, 85)]
    [InlineData("python/python-pyenv-shim.log", 1866, 1264, 602)]
    [InlineData("java/java-g1.log", 4063, 4031, 32)]
    [InlineData("dotnet/dotnet-gc.log", 6783, 6760, 23)]
    [InlineData("dotnet/dotnet-gc-server.log", 5890, 5863, 27)]
    [InlineData("pmadvise/pmadvise.log", 39, 32, 7)]
    [InlineData("pmadvise/pmadvise-v.log", 39, 31, 8)]
    [InlineData("pmadvise/pmadvise-xraw.log", 39, 30, 9)]
    [InlineData("pmadvise/pmadvise-xverbose.log", 39, 30, 9)]
    [InlineData("syscalls/edge.log", 682, 613, 69)]
    [InlineData("syscalls/edge-y.log", 682, 611, 71)]
    [InlineData("syscalls/edge-nof.log", 325, 273, 52)]
    [InlineData("syscalls/edge-detach.log", 3, 1, 2)]
    [InlineData("syscalls/edge-detach-vfork-hang.log", 1, 0, 1)]
    [InlineData("formats/tt.log", 39, 30, 9)]
    [InlineData("formats/t-r.log", 39, 30, 9)]
    [InlineData("formats/comm.log", 39, 30, 9)]
    [InlineData("formats/stderr.log", 39, 19, 20)]
    [InlineData("formats/ff.log.16635", 1, 1, 0)]
    [InlineData("go/gochurn.log", 1727, 1721, 6)]
    [InlineData("go/gobuild.log", 450, 402, 48)]
    public void EveryJudgedResultMatches(string trace, long calls, long judged, long unjudged)
    {
        var report = ReplaySession.Run(Replays.Settings(trace) with { Advisor = false });
        Assert.Equal((calls, judged, judged, 0L, unjudged), (report.Calls, report.Judged, report.Matched, report.Differed, report.Unjudged));
        Assert.Empty(report.ProfileDisagreements);
    }

    [Fact]
    public void FfFile_ChildKilledInTheOtherFile_OneDifference()
    {
        var report = ReplaySession.Run(Replays.Settings("formats/ff.log.16633") with { Advisor = false });
        Assert.Equal((38L, 17L, 16L, 1L), (report.Calls, report.Judged, report.Matched, report.Differed));
        var (_, d) = Assert.Single(report.Differences());
        Assert.Equal(36, d.Line);
        Assert.Equal(("-1 ESRCH", "65536"), (d.Logged, d.Ours));
    }

    [Fact]
    public void Redis_CallsByAdviceAndProcesses()
    {
        var report = ReplaySession.Run(Replays.Settings("redis/redis-bgthread.log") with { Advisor = false });
        var redis = Assert.Single(report.Programs).Tally;
        Assert.Equal("redis-server", redis.Name);
        Assert.Equal(2, redis.Processes);
        Assert.Equal([("madvise", "MADV_DONTNEED", 5557L), ("madvise", "MADV_FREE", 167L)], redis.CallsByAdvice());
        Assert.Equal(0, redis.ImplicitMappings);
        Assert.Equal(13, redis.SeededMappings);
    }

    /// <summary>
    /// The Go runtime (recorded with madv trace, maps at the static program's first mmap): its
    /// scavenger's DONTNEED runs batch, and its NOHUGEPAGE calls change VMAs, so take the
    /// mmap_lock even with per-VMA locks.
    /// </summary>
    [Fact]
    public void GoRuntime_ScavengerRunsBatch_HugePageAdviceTakesTheLock()
    {
        var report = ReplaySession.Run(Replays.Settings("go/gochurn.log", KernelProfile.PerVmaLock, KernelProfile.BatchedLock));
        Assert.Empty(report.ProfileDisagreements);
        var go = Assert.Single(report.Programs);
        var t = go.Tally;
        Assert.Equal(("gochurn", 1, 5), (t.Name, t.Processes, t.Threads));
        Assert.Equal((8L, 0L), (t.SeededMappings, t.ImplicitMappings));
        Assert.Equal([("madvise", "MADV_DONTNEED", 1149L), ("madvise", "MADV_NOHUGEPAGE", 306L), ("madvise", "MADV_HUGEPAGE", 1L)], t.CallsByAdvice());
        var a = go.Advisor!;
        Assert.Equal((97L, 828L, 97L, 628L), (a.Runs, a.CallsInRuns, a.Vectors, a.SingleCalls));

        CostSample Costs(KernelProfile profile, bool batched) => Assert.Single(batched ? go.CostsFor(profile).Batched : go.CostsFor(profile).Original);
        Assert.Equal(1456, Costs(KernelProfile.BatchedLock, false).AdviceLockAcquisitions);
        Assert.Equal(97 + 628, Costs(KernelProfile.BatchedLock, true).AdviceLockAcquisitions);
        var perVma = Costs(KernelProfile.PerVmaLock, false).AdviceLockAcquisitions;
        Assert.True(perVma >= 306 && perVma < 1456 / 2, $"PerVmaLock: {perVma} mmap_lock acquisitions by 1,456 madvise calls");
    }

    [Fact]
    public void PyenvShim_ProgramsByExecutable()
    {
        var report = ReplaySession.Run(Replays.Settings("python/python-pyenv-shim.log") with { Advisor = false });
        var bash = Assert.Single(report.Programs, p => p.Name == "bash").Tally;
        Assert.Equal(56, bash.Processes);
        Assert.Equal(
            ["python3", "bash", "pyenv", "readlink", "pyenv-exec", "pyenv-version-name", "pyenv-version-file", "pyenv-version-file-read", "pyenv-hooks", "pyenv-which", "pyenv-prefix", "pyenv-latest", "basename"],
            report.Programs.Select(p => p.Name));
    }

    [Fact]
    public void AllProfiles_SameVerdicts_AndTheSeriesShowsInTheCosts()
    {
        var report = ReplaySession.Run(Replays.Settings("redis/redis-bgthread.log", [.. ReplaySettings.AllProfiles]));
        Assert.Empty(report.ProfileDisagreements);
        Assert.Equal(0, report.Differed);
        var redis = Assert.Single(report.Programs);

        // The advisor: the runs found in redis's jemalloc purges (the same on every profile).
        var a = redis.Advisor!;
        Assert.Equal((52L, 5693L, 55L, 31L, 1860L, 0L), (a.Runs, a.CallsInRuns, a.Vectors, a.SingleCalls, a.LongestRun, a.VectorsShort));
        Assert.Equal([("MADV_DONTNEED", 31L, 5541L), ("MADV_FREE", 21L, 152L)], a.ByAdvice());

        CostSample Costs(KernelProfile profile, bool batched)
        {
            var c = redis.Profiles.Single(p => p.Profile == profile);
            return Assert.Single(batched ? c.Batched : c.Original);
        }

        // As logged: one mmap_lock round trip per madvise() before per-VMA locks, none with them.
        Assert.Equal(5724, Costs(KernelProfile.PerRangeLock, false).AdviceLockAcquisitions);
        Assert.Equal(0, Costs(KernelProfile.PerVmaLock, false).AdviceLockAcquisitions);

        // Batched: before the series process_madvise() takes the lock per range (nothing saved);
        // with it, once per vector; the TLB follow-up also flushes once per vector.
        Assert.Equal(5724, Costs(KernelProfile.PerRangeLock, true).AdviceLockAcquisitions);
        Assert.Equal(55 + 31, Costs(KernelProfile.BatchedLock, true).AdviceCalls);
        Assert.Equal(55 + 31, Costs(KernelProfile.BatchedLock, true).AdviceLockAcquisitions);
        Assert.Equal(Costs(KernelProfile.BatchedLock, false).AdviceTlbFlushes, Costs(KernelProfile.BatchedLock, true).AdviceTlbFlushes);
        var logged = Costs(KernelProfile.BatchedTlb, false).AdviceTlbFlushes;
        var batched = Costs(KernelProfile.BatchedTlb, true).AdviceTlbFlushes;
        Assert.True(logged > 5000 && batched < logged / 20, $"BatchedTlb: {logged} shootdowns as logged, {batched} batched");
    }

    [Fact]
    public void NoTimestamps_WindowIgnored_OneLongRun()
    {
        var plain = Assert.Single(ReplaySession.Run(Replays.Settings("redis/redis-attach-plain.log")).Programs).Advisor!;
        Assert.Equal((1L, 147L, 1L), (plain.Runs, plain.CallsInRuns, plain.Vectors));
        var timed = Assert.Single(ReplaySession.Run(Replays.Settings("redis/redis-attach.log")).Programs).Advisor!;
        Assert.Equal((13L, 154L, 13L, 10L), (timed.Runs, timed.CallsInRuns, timed.Vectors, timed.SingleCalls));
    }

    [Fact]
    public void NodeJavaDotnet_AdviceFollowsAddressSpaceChanges_NothingToBatch()
    {
        foreach (var trace in new[] { "node/node-gc.log", "java/java-g1.log", "dotnet/dotnet-gc.log" })
        {
            var a = Assert.Single(ReplaySession.Run(Replays.Settings(trace)).Programs).Advisor!;
            Assert.Equal(0, a.Runs);
            Assert.True(a.SingleCalls > 400, trace);
        }
    }
}
