using Madvise.Scenarios.Tests.Shared;

namespace Madvise.Scenarios.Tests.Running;

/// <summary>Runner rule 9: a <c>@host-divergent</c> file is compared on the host only up to its divergence point.</summary>
public class RunnerDivergenceTests
{
    private const string ForkSkip = "SKIP(fork: no libmadv-fork.so)";

    private static readonly string[] ForkFile =
    [
        "# @host-divergent: fork prints SKIP on the C# host target",
        "mmap A 1p rw private,anon => ok",
        "read A 1p => 11*4096",
        "fork C => ok",
        "in C: write A 1p 0x22 => 0",
        "read A 1p => 22*4096",
        "madvise A 1p COLD => 0",
    ];

    [Fact]
    public void HostTarget_StepsFromTheFirstSkipOnAreDivergent()
    {
        var target = new FakeTarget("host");
        target.CreationFailures["C"] = ForkSkip;
        var (report, output, _) = Scn.Run(target, ForkFile);
        Assert.Equal(
            [StepVerdict.Held, StepVerdict.Mismatch, StepVerdict.Skipped, StepVerdict.Skipped, StepVerdict.Divergent, StepVerdict.Divergent],
            report.Steps.Select(s => s.Verdict));
        Assert.Same(report.Steps[2], report.DivergencePoint);
        Assert.Equal((1, 1, 2, 2), (report.Held, report.Mismatches, report.Skipped, report.Divergent));
        Assert.False(report.Passed);

        // Divergent steps still run and print.
        Assert.Contains("read A 1p = 00*4096\nmadvise A 1p COLD = 0\n", output.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("self madvise 0x7f0000000000 0x1000 20", target.Calls);
    }

    [Fact]
    public void SimTarget_MarkersChangeNothing()
    {
        var target = new FakeTarget("sim");
        var report = Scn.Run(target, ForkFile).Report;
        Assert.Null(report.DivergencePoint);
        Assert.Equal(0, report.Divergent);
        Assert.Equal(2, report.Mismatches); // the fake reads zeros: both reads disagree with the file
    }

    [Fact]
    public void UnmarkedFile_SkipDoesNotStopComparison()
    {
        var target = new FakeTarget("host");
        target.CreationFailures["C"] = ForkSkip;
        var report = Scn.Run(target, ForkFile[1..]).Report;
        Assert.Null(report.DivergencePoint);
        Assert.Equal(0, report.Divergent);
        Assert.Equal(StepVerdict.Mismatch, report.Steps[4].Verdict);
    }

    [Fact]
    public void StepMarker_DivergesAtThatStepWithoutASkip()
    {
        var target = new FakeTarget("host");
        var report = Scn.Run(
            target,
            "mmap A 1p rw private,anon => ok",
            "read A 1p => 11*4096",
            "madvise A 1p MERGEABLE => 0 # @host-divergent: ksmd merges when it likes",
            "read A 1p => 11*4096",
            "setuid self 5").Report;
        Assert.Equal([StepVerdict.Held, StepVerdict.Mismatch, StepVerdict.Divergent, StepVerdict.Divergent, StepVerdict.Divergent], report.Steps.Select(s => s.Verdict));
        Assert.Same(report.Steps[2], report.DivergencePoint);
    }

    [Fact]
    public void SkipStaysSkipped_ErrorStaysError_AfterTheDivergencePoint()
    {
        var target = new FakeTarget("host") { Script = c => c.Contains("madvise", StringComparison.Ordinal) ? throw new InvalidOperationException("bug") : c.Contains("setuid", StringComparison.Ordinal) ? TargetResult.NotSupported : null };
        var report = Scn.Run(target, "# @host-divergent: test", "exit self", "madvise 0 1p COLD => 0", "setuid self 1 => 0", "munmap 0 1p").Report;
        Assert.Equal([StepVerdict.Skipped, StepVerdict.Error, StepVerdict.Skipped, StepVerdict.Divergent], report.Steps.Select(s => s.Verdict));
        Assert.Equal(1, report.Errors);
    }
}
