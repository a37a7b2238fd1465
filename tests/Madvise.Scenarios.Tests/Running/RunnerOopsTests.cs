using Madvise.Cli;
using Madvise.Kernel;
using Madvise.Scenarios.Sim;
using Madvise.Scenarios.Tests.Shared;

namespace Madvise.Scenarios.Tests.Running;

/// <summary>
/// Runner rule 12: a kernel oops during a step is the step's result (OOPS(...), an error); the
/// task that made the call is dead afterwards; madv run reports the step and exits 4, with the
/// whole exception on stderr under --verbose.
/// </summary>
public sealed class RunnerOopsTests : IDisposable
{
    /// <summary>A folder of scenario files private to one test.</summary>
    private readonly string _dir = Directory.CreateTempSubdirectory("madv-oops-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void AnOopsIsTheStepsResultAndItsTaskIsDeadAfterwards()
    {
        using var target = new SimTarget();
        target.Kernel.Faults.Arm(FaultPoint.MmapWriteLocked);
        var diagnostics = new StringWriter();
        var report = ScenarioRunner.Run(
            Scn.Parse("task t", "in t: mmap A 1p rw private,anon", "in t: mmap B 1p rw private,anon", "mmap C 1p rw private,anon"),
            target, TextWriter.Null, diagnostics, verbose: true);

        var oops = report.Steps[1];
        Assert.True(oops.IsOops);
        Assert.Equal(StepVerdict.Error, oops.Verdict);
        Assert.StartsWith("OOPS(oops in mmap of task ", oops.Result, StringComparison.Ordinal);
        Assert.Contains("InjectedFaultException: fault injected at MmapWriteLocked", oops.Result, StringComparison.Ordinal);
        Assert.Equal("-ESRCH", report.Steps[2].Result);
        Assert.Equal("ok", report.Steps[3].Result);
        Assert.Equal(1, report.Oopses);
        var text = diagnostics.ToString();
        Assert.Contains("t.scn:2: kernel oops on 'in t: mmap A 1p rw private,anon'", text, StringComparison.Ordinal);
        // The whole exception with its stack (verbose). Not a particular frame: once the tiered
        // JIT has inlined the small FaultInjector.At (after other tests in this process made many
        // system calls, as the mutation fuzzer does), the trace starts at its caller.
        Assert.Contains("InjectedFaultException: fault injected at MmapWriteLocked", text, StringComparison.Ordinal);
        Assert.Contains("   at Madvise.Kernel.", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MadvRunExits3AndShowsTheStackOnlyWhenVerbose(bool verbose)
    {
        var file = Path.Combine(_dir, "oops.scn");
        File.WriteAllText(file, "mmap A 4p rw private,anon => ok\nwrite A 4p 0x11 => 0\nmadvise A 4p DONTNEED => 0\nread A 1p => 00*4096\n");
        var targets = new ScenarioTargets().Register("sim", () =>
        {
            var t = new SimTarget();
            t.Kernel.Faults.Arm(FaultPoint.ZapPteLocked);
            return t;
        });
        var output = new StringWriter();
        var error = new StringWriter();
        string[] args = verbose ? ["run", "--verbose", file] : ["run", file];
        Assert.Equal(4, Program.Run(args, targets, output, error));
        Assert.Contains("madvise A 4p DONTNEED = OOPS(oops in madvise of task", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("read A 1p = -ESRCH", output.ToString(), StringComparison.Ordinal);
        Assert.EndsWith(", 1 kernel oopses\n", output.ToString().ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains($"{file}:3: kernel oops on 'madvise A 4p DONTNEED'", error.ToString(), StringComparison.Ordinal);
        Assert.Equal(verbose, error.ToString().Contains("   at Madvise.Kernel.", StringComparison.Ordinal));
    }
}
