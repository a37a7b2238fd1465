using System.Diagnostics;
using System.Globalization;
using Madvise.Host.Tests.Shared;
using Madvise.Abi;
using Madvise.Scenarios;
using Madvise.Scenarios.Host;
using static Madvise.Host.Tests.Shared.ScriptContext;

namespace Madvise.Host.Tests.Target;

/// <summary>
/// <c>fork</c> on the host target: the child is a real fork of the forking task's process that
/// runs the fork server, holds only the scenario's descriptors, is reaped by the target, and
/// never outlives it.
/// </summary>
public sealed class ForkTests
{
    private const int RW = Prot.PROT_READ | Prot.PROT_WRITE;
    private const int PrivateAnon = MapFlags.MAP_PRIVATE | MapFlags.MAP_ANONYMOUS;

    [ForkFact]
    public void AForkOfSelfIsACopyOnWriteChildOfThisProcessReapedAtDispose()
    {
        int pid;
        using (var target = new HostScenarioTarget())
        {
            var self = target.Self;
            Assert.Equal(0, self.Mmap(0, 4 * P, RW, PrivateAnon, null, 0, out var a));
            Assert.Equal(0, self.Write(a, 2 * P, 0x11));
            var c = (ForkedTask)target.Fork(self, "C", out var failure)!;
            Assert.Null(failure);
            pid = c.Pid;

            Assert.Equal(Environment.ProcessId, ParentOf(pid));
            Assert.Equal("madv-fork", Status(pid, "Name"));
            Assert.Equal("1", Status(pid, "Threads"));
            Assert.Equal("11*8192,00*8192", Read(c, a, 4 * P));
            Assert.Equal(0, c.Write(a, P, 0x22));
            Assert.Equal("22*4096,11*4096", Read(c, a, 2 * P));
            Assert.Equal("11*8192", Read(self, a, 2 * P));
            Assert.Equal(0, self.Write(a + P, P, 0x33));
            Assert.Equal("22*4096,11*4096", Read(c, a, 2 * P));

            Assert.Equal(0, c.Exit());
            Assert.True(c.HasExited);
            Assert.Equal('Z', State(pid)); // exited, kept as a zombie until the file ends
            Assert.Equal(-Errno.ESRCH, c.Write(a, P, 0x44));
        }

        Assert.False(Exists(pid), $"forked child {pid} was not reaped");
    }

    [ForkFact]
    public void TheChildHoldsTheScenariosDescriptorsAtTheSameNumbersAndNothingElse()
    {
        using var target = new HostScenarioTarget();
        var self = target.Self;
        Assert.Equal(0, self.CreateFile("F", P, 0x5a, memfd: false, out var file));
        Assert.Equal(0, self.OpenPidfd(self, out _));
        var c = (ForkedTask)target.Fork(self, "C", out _)!;

        var own = Descriptors(Environment.ProcessId);
        var child = Descriptors(c.Pid);
        Assert.Equal(3, child.Count); // the file, the pidfd, the fork server's socket
        Assert.Single(child, d => d.Value.StartsWith("socket:", StringComparison.Ordinal));
        foreach (var (fd, link) in child)
        {
            if (!link.StartsWith("socket:", StringComparison.Ordinal))
            {
                Assert.Equal(own[fd], link); // same number, same file
            }
        }

        // The child maps the inherited file: the descriptor is the child's own.
        Assert.Equal(0, c.Mmap(0, P, Prot.PROT_READ, MapFlags.MAP_SHARED, file, 0, out var m));
        Assert.Equal("5a*4096", Read(c, m, P));
    }

    [ForkFact]
    public void AChildKilledBetweenStepsReadsAsExitedAndIsReaped()
    {
        int pid;
        using (var target = new HostScenarioTarget())
        {
            var c = (ForkedTask)target.Fork(target.Self, "C", out _)!;
            pid = c.Pid;
            Kill(pid);
            Assert.Equal(-Errno.ESRCH, c.Mmap(0, P, RW, PrivateAnon, null, 0, out _));
            Assert.True(c.HasExited);

            // The rest of the scenario goes on.
            Assert.Equal(0, target.Self.Mmap(0, P, RW, PrivateAnon, null, 0, out var a));
            Assert.Equal(0, target.Self.Write(a, P, 1));
        }

        Assert.False(Exists(pid), $"killed child {pid} was not reaped");
    }

    [ForkFact]
    public void AChildKilledDuringAStepEndsThatStepWithEsrch()
    {
        using var target = new HostScenarioTarget();
        var self = target.Self;
        const ulong Length = 1UL << 30;
        Assert.Equal(0, self.Mmap(0, Length, RW, PrivateAnon | MapFlags.MAP_NORESERVE, null, 0, out var a));
        var c = (ForkedTask)target.Fork(self, "C", out _)!;
        var before = Rss(c.Pid);
        var write = Task.Run(() => c.Write(a, Length, 0x77));
        WaitUntil(() => Rss(c.Pid) > before + (64 << 10) || write.IsCompleted);
        Kill(c.Pid);
        Assert.True(write.Wait(TimeSpan.FromMinutes(2)), "the step did not end");
        Assert.True(write.Result is 0 or -Errno.ESRCH, $"got {write.Result}");
        Assert.Equal(-Errno.ESRCH, c.Write(a, P, 1));
    }

    [ForkFact]
    public void AForkOfAnAgentIsAChildOfThisProcessAndOutlivesTheAgent()
    {
        int pid;
        using (var target = new HostScenarioTarget())
        {
            var b = (AgentTask)target.CreateTask("B", out _)!;
            Assert.Equal(0, b.Mmap(0, P, RW, PrivateAnon, null, 0, out var x));
            Assert.Equal(0, b.Write(x, P, 0x11));
            var d = (ForkedTask)target.Fork(b, "D", out var failure)!;
            Assert.Null(failure);
            pid = d.Pid;
            Assert.Equal(Environment.ProcessId, ParentOf(pid)); // CLONE_PARENT
            Assert.Equal(target.Cpu.ToString(CultureInfo.InvariantCulture), Status(pid, "Cpus_allowed_list"));

            Assert.Equal(0, b.Exit());
            Assert.Equal("11*4096", Read(d, x, P));
            Assert.Equal(0, d.Write(x, P, 0x22));

            // A fork of the fork: again a child of this process.
            var e = (ForkedTask)target.Fork(d, "E", out _)!;
            Assert.Equal(Environment.ProcessId, ParentOf(e.Pid));
            Assert.Equal("22*4096", Read(e, x, P));
        }

        Assert.False(Exists(pid), $"forked child {pid} was not reaped");
    }

    [ForkFact]
    public void DisposeClosesTheSocketsAndPidfdsOfTheForks()
    {
        var links = new List<(int Fd, string Link)>();
        using (var target = new HostScenarioTarget())
        {
            var c = (ForkedTask)target.Fork(target.Self, "C", out _)!;
            var d = (ForkedTask)target.Fork(c, "D", out _)!;
            foreach (var server in new[] { c.Server, d.Server })
            {
                links.Add((server.Socket, Fd(Environment.ProcessId, server.Socket)));
                links.Add((server.PidfdNumber, Fd(Environment.ProcessId, server.PidfdNumber)));
            }

            Assert.Equal(0, d.Exit());
        }

        // Socket inodes are not reused while the machine is up: a link still there is a leak.
        foreach (var (fd, link) in links)
        {
            Assert.NotEqual(link, Fd(Environment.ProcessId, fd));
        }
    }

    [ForkFact]
    public void TheGuardRefusesTheRuntimesMemoryInAForkedChild()
    {
        using var target = new HostScenarioTarget();
        var c = (ForkedTask)target.Fork(target.Self, "C", out _)!;
        var mappings = new List<MappingInfo>();
        Assert.Equal(0, c.Vmas(0, PageSize.TASK_SIZE, mappings));
        var runtime = mappings.Find(m => m.Perms == "rw-p")!;
        Assert.Equal(TargetResult.NotSupported, c.Munmap(runtime.Start, P));
        Assert.Contains("memory the scenario did not map", target.LastSkipReason, StringComparison.Ordinal);
        Assert.Equal(0, c.Mmap(0, P, RW, PrivateAnon, null, 0, out var y));
        Assert.Equal(0, c.Write(y, P, 9));
    }

    [ForkFact]
    public void NoOtherHostTargetStartsWhileAForkOfThisProcessLives()
    {
        var first = new HostScenarioTarget();
        Task<HostScenarioTarget> second;
        try
        {
            Assert.NotNull(first.Fork(first.Self, "C", out _));
            second = Task.Run(() => new HostScenarioTarget());
            Thread.Sleep(200);
            Assert.False(second.IsCompleted, "a host target started beside a fork of this process");
        }
        finally
        {
            first.Dispose();
        }

        Assert.True(second.Wait(TimeSpan.FromMinutes(2)), "the second target did not start once the first was disposed");
        second.Result.Dispose();
    }

    [ForkFact]
    public void AKilledRunnerTakesItsForkedChildrenWithIt()
    {
        var command = AgentLauncher.Locate()!;
        var file = Path.Combine(Path.GetTempPath(), $"fork-kill-{Environment.ProcessId}-{Guid.NewGuid():N}.scn");
        File.WriteAllLines(file, ["mmap A 1G rw private,anon,noreserve", "fork C", "task B", "in B: fork D", "in C: write A 1G 0x11", "in C: write A 1G 0x22"]);
        try
        {
            var start = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in command.Skip(1).Concat(["run", file, "--target", "host"]))
            {
                start.ArgumentList.Add(arg);
            }

            using var madv = Process.Start(start)!;
            int[] children = [];
            WaitUntil(() => (children = ChildrenNamed(madv.Id, "madv-fork")).Length == 2 || madv.HasExited);
            Assert.False(madv.HasExited, "madv ended before its children could be seen");
            madv.Kill();
            madv.WaitForExit();
            foreach (var pid in children)
            {
                WaitUntil(() => !Exists(pid) || State(pid) == 'Z');
                Assert.True(!Exists(pid) || State(pid) == 'Z', $"fork server {pid} outlived its runner");
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static string Read(ITargetTask task, ulong addr, ulong length)
    {
        var runs = new ByteRuns();
        var r = task.Read(addr, length, runs);
        return r == 0 ? runs.ToString() : Errno.Format(r);
    }

    private static void Kill(int pid)
    {
        using var pidfd = SafePidfdHandle.Open(pid);
        pidfd.SendSignal(9);
    }

    private static void WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (!condition() && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(10);
        }
    }

    private static bool Exists(int pid) => Directory.Exists("/proc/" + pid.ToString(CultureInfo.InvariantCulture));

    private static char State(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[stat.LastIndexOf(')') + 2];
        }
        catch (IOException)
        {
            return 'X';
        }
    }

    private static string Status(int pid, string key) =>
        File.ReadAllLines($"/proc/{pid}/status").First(l => l.StartsWith(key + ":", StringComparison.Ordinal)).Split(':', 2)[1].Trim();

    private static int ParentOf(int pid) => int.Parse(Status(pid, "PPid"), CultureInfo.InvariantCulture);

    private static long Rss(int pid)
    {
        try
        {
            return long.Parse(Status(pid, "VmRSS").Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static Dictionary<int, string> Descriptors(int pid)
    {
        var result = new Dictionary<int, string>();
        foreach (var entry in Directory.GetFiles($"/proc/{pid}/fd"))
        {
            var fd = int.Parse(Path.GetFileName(entry), CultureInfo.InvariantCulture);
            var link = Fd(pid, fd);
            if (link.Length > 0)
            {
                result[fd] = link;
            }
        }

        return result;
    }

    /// <summary>
    /// What descriptor <paramref name="fd"/> of <paramref name="pid"/> is: its link and, because
    /// every pidfd links to <c>anon_inode:[pidfd]</c>, the inode fdinfo gives (pidfs: one per
    /// process, never reused), so that a descriptor number another test reuses meanwhile does
    /// not look like a leak.
    /// </summary>
    private static string Fd(int pid, int fd)
    {
        try
        {
            var link = new FileInfo($"/proc/{pid}/fd/{fd}").LinkTarget ?? "";
            var ino = File.ReadLines($"/proc/{pid}/fdinfo/{fd}").FirstOrDefault(l => l.StartsWith("ino:", StringComparison.Ordinal));
            return ino is null ? link : $"{link} {ino}";
        }
        catch (IOException)
        {
            return "";
        }
    }

    private static int[] ChildrenNamed(int parent, string name)
    {
        var result = new List<int>();
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), CultureInfo.InvariantCulture, out var pid))
            {
                try
                {
                    if (Status(pid, "Name") == name && ParentOf(pid) == parent)
                    {
                        result.Add(pid);
                    }
                }
                catch (IOException)
                {
                }
                catch (InvalidOperationException)
                {
                }
            }
        }

        return [.. result];
    }
}
