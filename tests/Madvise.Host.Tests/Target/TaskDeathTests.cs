using System.Globalization;
using Madvise.Cli;
using Madvise.Host.Tests.Shared;
using Madvise.Scenarios;
using Madvise.Scenarios.Host;

namespace Madvise.Host.Tests.Target;

/// <summary>
/// A task process that dies during a host run (<c>kill -9</c> of an agent or a forked task):
/// reported with its signal at the step where it was noticed, madv exits 3, and a killed agent
/// leaves no diagnostics files of the .NET runtime in /tmp.
/// </summary>
public sealed class TaskDeathTests : IDisposable
{
    /// <summary>A folder of scenario files private to one test.</summary>
    private readonly string _dir = Directory.CreateTempSubdirectory("madv-task-death-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [AgentFact]
    public void AnAgentKilledMidRun_ReportedWithItsSignal_Exit3_NothingLeftInTmp()
    {
        var file = Write("task B", "in B: mmap X 1p rw private,anon => ok", "in B: write X 1p 0x11 => 0", "in B: read X 1p => 11*4096", "mmap A 1p rw private,anon => ok");
        var recorder = new RecordingTarget();
        int? pid = null;
        string[]? filesWhileRunning = null;
        var output = new KillingWriter("in B: mmap X 1p rw private,anon = ok", () =>
        {
            var b = (HostTask)recorder.Tasks["B"];
            pid = b.Pid;
            filesWhileRunning = RuntimeFiles(b.Pid);
            Kill(b.Pid);
        });
        var error = new StringWriter();

        var code = Program.Run(["run", file, "--target", "host"], new ScenarioTargets().Register("host", () => recorder), output, error);

        var killed = $"task B (pid {pid}) was killed by SIGKILL";
        var text = output.ToString();
        Assert.Equal(ExitCodes.TaskDied, code);
        Assert.Equal($"{file}:3: {killed}\n", error.ToString());
        Assert.Contains("in B: write X 1p 0x11 = -ESRCH\nin B: read X 1p = -ESRCH\nmmap A 1p rw private,anon = ok\n", text, StringComparison.Ordinal);
        Assert.Contains($"{file}:3: task died: {killed} (noticed after 'in B: write X 1p 0x11')\n", text, StringComparison.Ordinal);
        Assert.EndsWith(", 1 task died\n", text, StringComparison.Ordinal);
        Assert.Empty(filesWhileRunning!);
        Assert.Empty(RuntimeFiles(pid!.Value));
    }

    [AgentFact]
    public void AnAgentKilledBetweenSteps_NoticedAfterTheNextStep_EvenInAnotherTask()
    {
        var recorder = new RecordingTarget();
        var output = new KillingWriter("task B = ok", () => Kill(((HostTask)recorder.Tasks["B"]).Pid));
        var report = ScenarioRunner.Run(Scenario("task B", "mmap A 1p rw private,anon", "in B: mmap X 1p rw private,anon"), recorder, output);
        recorder.Dispose();
        Assert.Equal([[], ["task B"], []], report.Steps.Select(s => s.TaskDeaths.Select(d => d[..6]).ToArray()));
        Assert.Equal(["ok", "ok", "-ESRCH"], report.Steps.Select(s => s.Result));
        Assert.EndsWith("was killed by SIGKILL", report.Steps[1].TaskDeaths[0], StringComparison.Ordinal);
    }

    [AgentFact]
    public void ACleanExitIsNoDeath_AKilledOneBeforeItsExitIs()
    {
        var recorder = new RecordingTarget();
        var output = new KillingWriter("task C = ok", () => Kill(((HostTask)recorder.Tasks["C"]).Pid));
        var report = ScenarioRunner.Run(Scenario("task B", "exit B", "task C", "exit C"), recorder, output);
        recorder.Dispose();
        Assert.Equal(1, report.Deaths);
        Assert.Single(report.Steps[2].TaskDeaths.Concat(report.Steps[3].TaskDeaths), d => d.StartsWith("task C ", StringComparison.Ordinal) && d.EndsWith("killed by SIGKILL", StringComparison.Ordinal));
    }

    [ForkFact]
    public void AForkedTaskKilledMidRun_Reported()
    {
        var recorder = new RecordingTarget();
        var output = new KillingWriter("fork C = ok", () => Kill(((HostTask)recorder.Tasks["C"]).Pid));
        var report = ScenarioRunner.Run(Scenario("mmap A 1p rw private,anon", "fork C", "in C: write A 1p 1"), recorder, output);
        recorder.Dispose();
        Assert.Equal("-ESRCH", report.Steps[2].Result);
        var death = Assert.Single(report.Steps.SelectMany(s => s.TaskDeaths));
        Assert.Matches("^task C \\(pid [0-9]+\\) was killed by SIGKILL$", death);
    }

    private string Write(params string[] lines)
    {
        var path = Path.Combine(_dir, "kill.scn");
        File.WriteAllText(path, string.Join('\n', lines) + "\n");
        return path;
    }

    private static Madvise.Scenarios.Steps.Scenario Scenario(params string[] lines) => ScenarioParser.Parse(string.Join('\n', lines), "kill.scn");

    /// <summary>SIGKILL to <paramref name="pid"/>, then waits until it is a zombie (so that the kill has happened when the next step runs).</summary>
    private static void Kill(int pid)
    {
        using var pidfd = SafePidfdHandle.Open(pid);
        pidfd.SendSignal(9);
        Assert.Equal(1, HarnessSyscalls.PollReadable(pidfd.Fd, 10_000));
    }

    /// <summary>The .NET runtime's diagnostics files of process <paramref name="pid"/> in /tmp.</summary>
    private static string[] RuntimeFiles(int pid)
    {
        var p = pid.ToString(CultureInfo.InvariantCulture);
        return [.. Directory.EnumerateFiles("/tmp").Select(Path.GetFileName).Where(f =>
            f!.StartsWith($"dotnet-diagnostic-{p}-", StringComparison.Ordinal) || f.StartsWith($"clr-debug-pipe-{p}-", StringComparison.Ordinal))!];
    }

    /// <summary>A host target that remembers its tasks by name.</summary>
    private sealed class RecordingTarget : IScenarioTarget
    {
        private readonly HostScenarioTarget _inner = new();

        public Dictionary<string, ITargetTask> Tasks { get; } = [];

        public string Name => _inner.Name;

        public ITargetTask Self => _inner.Self;

        public string? Configure(ScenarioConfig config) => _inner.Configure(config);

        public ITargetTask? CreateTask(string name, out string? failure) => Remember(name, _inner.CreateTask(name, out failure));

        public ITargetTask? Fork(ITargetTask parent, string name, out string? failure) => Remember(name, _inner.Fork(parent, name, out failure));

        public void Dispose() => _inner.Dispose();

        private ITargetTask? Remember(string name, ITargetTask? task)
        {
            if (task is not null)
            {
                Tasks[name] = task;
            }

            return task;
        }
    }

    /// <summary>Standard output that runs <paramref name="kill"/> once, right after the line <paramref name="trigger"/>.</summary>
    private sealed class KillingWriter(string trigger, Action kill) : StringWriter
    {
        private bool _done;

        public override void WriteLine(string? value)
        {
            base.Write(value + "\n");
            if (!_done && value == trigger)
            {
                _done = true;
                kill();
            }
        }
    }
}

/// <summary>How a child process ended, as the runner words it.</summary>
public sealed class ChildProcessEndTests
{
    [Theory]
    [InlineData("exit 3", "exited with status 3")]
    [InlineData("kill -TERM $$", "was killed by SIGTERM")]
    [InlineData("kill -KILL $$", "was killed by SIGKILL")]
    [InlineData("exec sleep 60", "stopped answering and was killed")]
    public void Describe(string script, string how)
    {
        Assert.Equal(0, HarnessSyscalls.SocketPair(out var ours, out var theirs));
        var pid = (int)HarnessSyscalls.Spawn("/bin/sh", ["/bin/sh", "-c", script], [], theirs);
        HarnessSyscalls.Close(theirs);
        HarnessSyscalls.Close(ours);
        Assert.True(pid > 0);
        using var pidfd = SafePidfdHandle.Open(pid);
        Assert.Equal($"task T (pid {pid}) {how}", ChildProcessEnd.Describe("T", pid, pidfd.Fd, settleMilliseconds: script.StartsWith("exec", StringComparison.Ordinal) ? 200 : 10_000));
        Assert.Equal('Z', File.ReadAllText($"/proc/{pid}/stat").Split(") ")[1][0]); // still a zombie: not reaped
        Assert.Equal(pid, HarnessSyscalls.WaitPid(pid, noHang: false));
    }

    [Theory]
    [InlineData(9, "SIGKILL")]
    [InlineData(11, "SIGSEGV")]
    [InlineData(31, "SIGSYS")]
    [InlineData(34, "signal 34")]
    public void SignalNames(int signal, string name) => Assert.Equal(name, ChildProcessEnd.SignalName(signal));
}
