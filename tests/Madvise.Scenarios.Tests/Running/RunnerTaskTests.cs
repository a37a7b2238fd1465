using Madvise.Scenarios.Tests.Shared;

namespace Madvise.Scenarios.Tests.Running;

/// <summary>Tasks, <c>in</c>, exit, credentials, NotSupported and config.</summary>
public class RunnerTaskTests
{
    [Fact]
    public void StepsRunInTheNamedTask()
    {
        var target = new FakeTarget();
        Scn.Run(target, "task B", "fork C", "in B: fork D", "in D: mincore 0 1p", "in self: munmap 0 1", "munmap 0 2");
        Assert.Equal(["task B", "self fork C", "B fork D", "D mincore 0x0 0x1000 1", "self munmap 0x0 0x1", "self munmap 0x0 0x2"], target.Calls);
    }

    [Fact]
    public void StepInExitedTaskPrintsEsrch_ExceptTaskSteps()
    {
        var target = new FakeTarget();
        var results = Scn.Results(
            target,
            "task B",
            "task C",
            "exit B",
            "in B: mmap X 1p rw private,anon",
            "in B: read 0 1",
            "in B: fork D",
            "in B: pidfd P self",
            "in B: task E",
            "in B: dropcap C 1",
            "in B: setuid C 7",
            "in B: exit C",
            "exit B",
            "setuid B 1",
            "dropcap B 1",
            "pidfd PB B");
        Assert.Equal(["ok", "ok", "0", "-ESRCH", "-ESRCH", "-ESRCH", "-ESRCH", "ok", "0", "0", "0", "-ESRCH", "-ESRCH", "-ESRCH", "ok"], results);
        Assert.Equal(["task B", "task C", "B exit", "task E", "C dropcap 1", "C setuid 7", "C exit", "self pidfd B"], target.Calls);
    }

    [Fact]
    public void ExitSelfIsSkipped()
    {
        var target = new FakeTarget();
        var (report, output, _) = Scn.Run(target, "exit self => 0", "task B", "in B: exit self");
        Assert.Equal(["SKIP(exit self)", "ok", "SKIP(exit self)"], report.Steps.Select(s => s.Result));
        Assert.Equal(StepVerdict.Skipped, report.Steps[0].Verdict);
        Assert.Equal("exit self = SKIP(exit self)\ntask B = ok\nin B: exit self = SKIP(exit self)\n", output.ReplaceLineEndings("\n"));
        Assert.Equal(["task B"], target.Calls);
    }

    [Fact]
    public void TaskWhoseCreationSkippedMakesItsStepsSkip()
    {
        var target = new FakeTarget();
        target.CreationFailures["C"] = "SKIP(fork: no libmadv-fork.so)";
        var results = Scn.Results(target, "fork C", "in C: read 0 1", "pidfd P C", "exit C", "setuid C 1", "dropcap C 2", "in C: fork D", "in C: task E");
        Assert.Equal(
            ["SKIP(fork: no libmadv-fork.so)", "SKIP(fork: no libmadv-fork.so)", "SKIP(fork: no libmadv-fork.so)", "SKIP(fork: no libmadv-fork.so)",
             "SKIP(fork: no libmadv-fork.so)", "SKIP(fork: no libmadv-fork.so)", "SKIP(fork: no libmadv-fork.so)", "ok"],
            results);
        Assert.Equal(["self fork C", "task E"], target.Calls);
    }

    [Fact]
    public void TaskWhoseCreationFailedDoesNotExist()
    {
        var target = new FakeTarget();
        target.CreationFailures["B"] = "-EAGAIN";
        var results = Scn.Results(target, "task B", "in B: read 0 1", "pidfd P B", "exit B", "setuid B 1", "dropcap B 2");
        Assert.Equal(["-EAGAIN", "-ESRCH", "-ESRCH", "-ESRCH", "-ESRCH", "-ESRCH"], results);
    }

    [Fact]
    public void ForkByExitedTaskLeavesChildNonexistent()
    {
        var target = new FakeTarget();
        var results = Scn.Results(target, "task B", "exit B", "in B: fork C", "in C: read 0 1", "exit C", "pidfd P C");
        Assert.Equal(["ok", "0", "-ESRCH", "-ESRCH", "-ESRCH", "-ESRCH"], results);
        Assert.Equal(["task B", "B exit"], target.Calls);
    }

    [Fact]
    public void ForkWhoseParentCreationSkippedSkipsToo()
    {
        var target = new FakeTarget();
        target.CreationFailures["B"] = "SKIP(no helper)";
        Assert.Equal(["SKIP(no helper)", "SKIP(no helper)", "SKIP(no helper)"], Scn.Results(target, "task B", "in B: fork C", "in C: munmap 0 1"));
    }

    [Fact]
    public void NotSupportedPrintsSkipWithStepAndTask()
    {
        var target = new FakeTarget { Script = c => c is "self setuid 0" or "B madvise 0x0 0x1000 4" or "self pmadvise self [] 4 0x0" ? TargetResult.NotSupported : null };
        var results = Scn.Results(target, "setuid self 0 => 0", "task B", "in B: madvise 0 1p DONTNEED", "setuid B 0", "pmadvise self [] DONTNEED");
        Assert.Equal(["SKIP(setuid self)", "ok", "SKIP(madvise B)", "0", "SKIP(pmadvise self)"], results);
    }

    [Fact]
    public void NotSupportedOnBindingStepsLeavesNameUnbound()
    {
        var target = new FakeTarget { Script = c => c.Contains(" mmap ", StringComparison.Ordinal) ? TargetResult.NotSupported : null };
        Assert.Equal(["SKIP(mmap self)", "SKIP(unbound A)"], Scn.Results(target, "mmap A 1p rw private,anon", "read A 1p"));
    }

    [Fact]
    public void ExitAndCredentialsReturnStatus()
    {
        var target = new FakeTarget { Script = c => c == "B setuid 1000" ? -1 : c == "B exit" ? -4 : null };
        var results = Scn.Results(target, "task B", "setuid B 1000", "dropcap self CAP_SYS_NICE", "exit B", "in B: read 0 1");
        Assert.Equal(["ok", "-EPERM", "0", "-EINTR", "00*1"], results);
        Assert.Equal("self dropcap 23", target.Calls[2]);
    }

    [Fact]
    public void ConfigMismatchSkipsEveryLaterStep()
    {
        var target = new FakeTarget { ConfigReason = "swap=0 (host 8 GiB)" };
        var (report, _, diagnostics) = Scn.Run(target, "config swap=0 => 0", "config thp=never", "mmap A 1p rw private,anon => ok", "exit self");
        Assert.Equal(["0", "0", "SKIP(config)", "SKIP(config)"], report.Steps.Select(s => s.Result));
        Assert.Equal([StepVerdict.Held, StepVerdict.NotChecked, StepVerdict.Skipped, StepVerdict.Skipped], report.Steps.Select(s => s.Verdict));
        Assert.Contains("swap=0 (host 8 GiB)", diagnostics, StringComparison.Ordinal);
        Assert.Contains("t.scn:1:", diagnostics, StringComparison.Ordinal);
        Assert.Equal(new ScenarioConfig(null, null, ThpMode.Never, null), target.ConfigSeen);
        Assert.Equal(["configure", "configure"], target.Calls);
    }

    [Fact]
    public void ConfigAcceptedLetsStepsRun()
    {
        var target = new FakeTarget();
        var (report, _, diagnostics) = Scn.Run(target, "config swap=1G ksm=off memory_failure=on", "mmap A 1p rw private,anon");
        Assert.Equal(["0", "ok"], report.Steps.Select(s => s.Result));
        Assert.Equal(new ScenarioConfig(1UL << 30, true, null, false), target.ConfigSeen);
        Assert.Empty(diagnostics);
    }

    [Fact]
    public void TargetExceptionIsReportedAsErrorAndTheRunGoesOn()
    {
        var target = new FakeTarget { Script = c => c.Contains("madvise", StringComparison.Ordinal) ? throw new InvalidOperationException("boom") : null };
        var (report, _, diagnostics) = Scn.Run(target, "madvise 0 1p COLD => 0", "munmap 0 1p => 0");
        Assert.Equal("ERROR(InvalidOperationException: boom)", report.Steps[0].Result);
        Assert.Equal(StepVerdict.Error, report.Steps[0].Verdict);
        Assert.Equal(StepVerdict.Held, report.Steps[1].Verdict);
        Assert.Equal(1, report.Errors);
        Assert.False(report.Passed);
        Assert.Contains("boom", diagnostics, StringComparison.Ordinal);
    }
}
