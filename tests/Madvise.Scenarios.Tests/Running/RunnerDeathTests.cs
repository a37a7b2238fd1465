using Madvise.Scenarios.Tests.Shared;

namespace Madvise.Scenarios.Tests.Running;

/// <summary>A task that dies without an exit step (ScenarioRunner.cs rule 10): reported once, where noticed; madv exits 3.</summary>
public sealed class RunnerDeathTests : IDisposable
{
    private const string Killed = "task B (pid 4242) was killed by SIGKILL";

    /// <summary>A folder of scenario files private to one test.</summary>
    private readonly string _dir = Directory.CreateTempSubdirectory("madv-death-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void ReportedAtTheStepWhereNoticed_LaterStepsEsrch()
    {
        var target = new FakeTarget();
        target.Deaths[("B", "B write")] = Killed;
        var (report, output, diagnostics) = Scn.Run(target, "task B", "in B: mmap X 1p rw private,anon", "in B: write X 1p 1 => 0", "in B: read X 1p", "read 0 0");
        Assert.Equal(["ok", "ok", "-ESRCH", "-ESRCH", ""], report.Steps.Select(s => s.Result));
        Assert.Equal([[], [], [Killed], [], []], report.Steps.Select(s => s.TaskDeaths.ToArray()));
        Assert.Equal(1, report.Deaths);
        Assert.False(report.Passed);
        Assert.Equal($"t.scn:3: {Killed}\n", diagnostics.ReplaceLineEndings("\n"));
        Assert.Contains("in B: write X 1p 1 = -ESRCH\n", output.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Fact]
    public void ADeathDuringAStepOfAnotherTask_IsReportedAfterThatStep()
    {
        var target = new FakeTarget();
        var (report, _, _) = Scn.Run(target, "task B", "read 0 0");
        Assert.Equal(0, report.Deaths);

        target = new FakeTarget();
        target.Deaths[("B", "self munmap")] = Killed;
        (report, _, _) = Scn.Run(target, "task B", "munmap 0 1p", "munmap 0 1p", "in B: munmap 0 1p");
        Assert.Equal([[], [Killed], [], []], report.Steps.Select(s => s.TaskDeaths.ToArray()));
        Assert.Equal(["ok", "0", "0", "-ESRCH"], report.Steps.Select(s => s.Result));
    }

    [Fact]
    public void Run_TaskDied_Exit3_ListedAndCounted_WinsOverMismatches()
    {
        var file = Path.Combine(_dir, "kill.scn");
        File.WriteAllText(file, "task B\nin B: mmap X 1p rw private,anon => ok\nin B: write X 1p 1 => 0\nread 0 0 => x\n");
        var target = new FakeTarget("sim");
        target.Deaths[("B", "B write")] = Killed;
        var (code, output, error) = MadvCli.Run(new ScenarioTargets().Register("sim", () => target), "run", file);
        Assert.Equal(3, code);
        Assert.Equal($"{file}:3: {Killed}\n", error);
        Assert.Contains($"{file}:3: task died: {Killed} (noticed after 'in B: write X 1p 1')\n", output, StringComparison.Ordinal);
        Assert.EndsWith("2 mismatches, 0 skipped, 1 task died\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_TaskDiedOnTheHost_Exit3()
    {
        var file = Path.Combine(_dir, "kill.scn");
        File.WriteAllText(file, "task B\nin B: mmap X 1p rw private,anon\nin B: write X 1p 1\n");
        var host = new FakeTarget("host");
        host.Deaths[("B", "B write")] = Killed;
        var registry = new ScenarioTargets().Register("sim", () => new FakeTarget("sim")).Register("host", () => host);
        var (code, output, _) = MadvCli.Run(registry, "check", file);
        Assert.Equal(3, code);
        Assert.Contains($"{file}:3: task died on host: {Killed} (noticed after 'in B: write X 1p 1')\n", output, StringComparison.Ordinal);
        Assert.EndsWith(", 1 task died\n", output, StringComparison.Ordinal);
    }
}
