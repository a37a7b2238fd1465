using Madvise.Compaction.Engine;
using Madvise.Compaction.Tests.Shared;
using static Madvise.Compaction.Tests.Shared.Layouts;

namespace Madvise.Compaction.Tests.Engine;

/// <summary>Android's error handling (madviseVmasFromBatch()) on a scripted target, with fixed batching so every vector is known.</summary>
public class ErrorPolicyTests
{
    private static readonly CompactionOptions Fixed = new() { Strategy = SizingStrategy.Fixed, Mode = CompactionMode.Anon };

    [Fact]
    public void ALockedVmaInTheMiddleIsSkippedAfterAShortCountAndAnEinval()
    {
        // A L B: the kernel advises A, fails on L (EINVAL: VM_LOCKED) and returns A's bytes.
        // Android steps one page into L and resends: L+1p fails with no progress, L is skipped, then B.
        var target = Target(Anon(8, 1, 1, 1));
        var locked = target.ReadMappings()[1];
        target.FailingMappings[locked.Start] = Errno.EINVAL;
        var (result, _) = Run(target, Fixed);

        Assert.Equal(CompactionOutcome.Completed, result.Outcome);
        Assert.Equal([8 * (long)P, -Errno.EINVAL, 8 * (long)P], target.Calls.Select(c => c.Result));
        Assert.Equal(locked.Start + P, target.Calls[1].Vector[0].Base);
        Assert.Equal(target.ReadMappings()[2].Start, target.Calls[2].Vector[0].Base);
        Assert.Equal(16 * P, result.BytesAdvised);
        Assert.Equal(8 * P, result.BytesSkipped);
        var shortCount = Assert.Single(result.Errors, e => e.Errno == 0);
        Assert.Equal(("short count", "skipped one page", 1, P, locked.Start), (shortCount.Name, shortCount.Action, shortCount.Count, shortCount.BytesSkipped, shortCount.FirstAddress));
        var einval = Assert.Single(result.Errors, e => e.Errno == Errno.EINVAL);
        Assert.Equal(("skipped mapping", 1, 7 * P), (einval.Action, einval.Count, einval.BytesSkipped));
    }

    [Fact]
    public void AnUnmappedFirstRangeIsSkippedLikeEinval()
    {
        // ENOMEM: the target unmapped the range after its maps were read (Android would stop here).
        var target = Target(Anon(8, 1, 1));
        target.FailingMappings[target.ReadMappings()[0].Start] = Errno.ENOMEM;
        var (result, _) = Run(target, Fixed);

        Assert.Equal(CompactionOutcome.Completed, result.Outcome);
        Assert.Equal([-Errno.ENOMEM, 8 * (long)P], target.Calls.Select(c => c.Result));
        Assert.Equal(8 * P, result.BytesAdvised);
        Assert.Equal("ENOMEM", Assert.Single(result.Errors).Name);
    }

    [Fact]
    public void ATargetThatExitsEndsTheCompactionWithWhatWasDone()
    {
        var target = Target(Anon(1024, 1, 1, 1, 1, 1, 1));
        target.FailAllErrno = Errno.ESRCH;
        target.FailFromCall = 3;
        var (result, _) = Run(target, Fixed with { MaxRanges = 1 });

        Assert.Equal(CompactionOutcome.TargetExited, result.Outcome);
        Assert.Equal(Errno.ESRCH, result.StopErrno);
        Assert.Equal(4, result.Calls);
        Assert.Equal(3 * 1024 * P, result.BytesAdvised);
        Assert.Contains("exited", result.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Errno.EPERM, "CAP_SYS_NICE")]
    [InlineData(Errno.EPERM, "seccomp")]
    [InlineData(Errno.EACCES, "PTRACE_MODE_READ")]
    [InlineData(Errno.ENOSYS, "/proc/PID/reclaim")]
    [InlineData(Errno.EINVAL, "5.10")]
    public void AnAccessErrorIsFoundByTheProbeBeforeAnyRangeIsAdvised(int errno, string explained)
    {
        var target = Target(Anon(8, 1));
        target.ProbeResult = -errno;
        var (result, _) = Run(target, Fixed);

        Assert.Equal(CompactionOutcome.Failed, result.Outcome);
        Assert.Equal(errno, result.StopErrno);
        Assert.Empty(target.Calls);
        Assert.Equal(1, target.Probes);
        Assert.Contains(explained, result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OtherErrorsStop()
    {
        var target = Target(Anon(8, 1, 1, 1));
        target.FailAllErrno = Errno.EFAULT;
        target.FailFromCall = 1;
        var (result, _) = Run(target, Fixed with { MaxRanges = 1 });

        Assert.Equal(CompactionOutcome.Failed, result.Outcome);
        Assert.Equal(2, result.Calls);
        Assert.Equal("stopped", Assert.Single(result.Errors).Action);
    }

    [Fact]
    public void CancellationStopsBetweenCallsAndReportsTheLastCall()
    {
        var target = Target(Anon(1024, 1, 1, 1, 1, 1, 1));
        using var source = new CancellationTokenSource();
        var (result, calls) = Run(target, Fixed with { MaxRanges = 1 }, source.Token, (c, s) =>
        {
            if (c.Sequence == 2)
            {
                s!.Cancel();
            }
        }, source);

        Assert.Equal(CompactionOutcome.Cancelled, result.Outcome);
        Assert.Equal(3, result.Calls);
        Assert.Equal(calls[^1].WallNanoseconds, result.LastCallNanoseconds);
        Assert.Equal(3 * 1024 * P, result.BytesAdvised);
    }

    [Fact]
    public void CancellationBeforeTheFirstCallSaysSo()
    {
        var target = Target(Anon(8, 1));
        using var source = new CancellationTokenSource();
        source.Cancel();
        var (result, _) = Run(target, Fixed, source.Token);

        Assert.Equal(CompactionOutcome.Cancelled, result.Outcome);
        Assert.Equal(0, result.Calls);
        Assert.Null(result.LastCallNanoseconds);
        Assert.Equal("cancelled before the first call", result.Message);
    }

    [Fact]
    public void ATargetWithNothingToAdviseIsStillAskedWhetherItExists()
    {
        // A zombie (or a process that exited after its pidfd was opened) has no mappings left:
        // the empty plan would "complete", so the engine asks the kernel with an empty vector.
        var gone = Target([]);
        gone.ProbeResult = -Errno.ESRCH;
        var (exited, _) = Run(gone, Fixed);

        Assert.Equal(CompactionOutcome.TargetExited, exited.Outcome);
        Assert.Equal(Errno.ESRCH, exited.StopErrno);
        Assert.Equal(1, gone.Probes);

        var (empty, _) = Run(Target([]), Fixed);
        Assert.Equal(CompactionOutcome.Completed, empty.Outcome);
        Assert.Contains(empty.Notes, n => n.StartsWith("nothing to advise: none of the target's 0 mappings", StringComparison.Ordinal));
    }

    [Fact]
    public void ABudgetNoCallCanMeetIsReported()
    {
        // An empty call costs 2 µs on this target: a 1 µs budget cannot be met by any call.
        var target = Target(Anon(4, 1, 1));
        var (tight, calls) = Run(target, new CompactionOptions { Mode = CompactionMode.Anon, Budget = TimeSpan.FromMicroseconds(1) });

        Assert.Equal(CompactionOutcome.Completed, tight.Outcome);
        Assert.Equal(tight.Calls, tight.CallsOverBudget);
        Assert.All(calls, c => Assert.Equal(P, c.Bytes));
        Assert.Equal(calls.Min(c => c.WallNanoseconds), tight.CheapestCallNanoseconds);
        Assert.Contains(tight.Notes, n => n.StartsWith("no call stayed within the budget of 1,000 ns", StringComparison.Ordinal));

        var (roomy, _) = Run(Target(Anon(4, 1, 1)), new CompactionOptions { Mode = CompactionMode.Anon });
        Assert.DoesNotContain(roomy.Notes, n => n.StartsWith("no call stayed", StringComparison.Ordinal));
    }

    [Fact]
    public void TheDeadlineIsCheckedOnTheEngineClock()
    {
        // Each 1024-page call costs about 4.1 ms on the fake clock; a 10 ms deadline allows three.
        var target = Target(Anon(1024, 1, 1, 1, 1, 1, 1));
        var (result, _) = Run(target, Fixed with { MaxRanges = 1, Deadline = TimeSpan.FromMilliseconds(10) });

        Assert.Equal(CompactionOutcome.DeadlineReached, result.Outcome);
        Assert.Equal(3, result.Calls);
    }

    [Fact]
    public void ADryRunCountsCallsAndMakesNone()
    {
        var target = Target(Anon(8, 1, 1, 1));
        var (result, _) = Run(target, Fixed with { DryRun = true, MaxRanges = 2 });

        Assert.Equal(CompactionOutcome.DryRun, result.Outcome);
        Assert.Equal(2, result.PlannedCalls);
        Assert.Empty(target.Calls);
        Assert.Equal(0, target.Probes);
    }

    [Fact]
    public void StatisticsFollowAndroidsDefinitions()
    {
        var target = Target(Anon(256, 1, 1, 0.5, 0));
        var (result, _) = Run(target, Fixed);

        // 640 resident pages paged out: 2,560 KiB of anonymous memory freed out of 2,560.
        Assert.Equal(2560, result.Before!.AnonKiB);
        Assert.Equal(0, result.After!.AnonKiB);
        Assert.Equal(2560, result.AnonFreedKiB);
        Assert.Equal(1.0, result.Efficiency);
        Assert.Equal(result.CpuNanoseconds / 1e6 / 2.5, result.CostMsPerMb!.Value, 6);
        Assert.Equal(2560, result.After.SwapKiB);
    }
}
