using System.Globalization;
using Madvise.Host.Tests.Shared;
using Madvise.Abi;
using Madvise.Scenarios;
using Madvise.Scenarios.Host;
using static Madvise.Host.Tests.Shared.ScriptContext;

namespace Madvise.Host.Tests.Target;

/// <summary>Agents are separate processes, pinned like the step thread, and never outlive their target.</summary>
public sealed class AgentLifecycleTests
{
    [AgentFact]
    public void DisposeEndsAndReapsEveryAgent()
    {
        int[] pids;
        using (var target = new HostScenarioTarget())
        {
            var b = (AgentTask)target.CreateTask("B", out _)!;
            var c = (AgentTask)target.CreateTask("C", out _)!;
            pids = [b.Pid, c.Pid];
            Assert.NotEqual(Environment.ProcessId, b.Pid);
            Assert.True(Directory.Exists("/proc/" + b.Pid));
            Assert.Equal(0, c.Exit());
            Assert.Equal('Z', State(c.Pid)); // exited, kept as a zombie so its pidfds stay meaningful
        }

        foreach (var pid in pids)
        {
            Assert.False(Directory.Exists("/proc/" + pid.ToString(CultureInfo.InvariantCulture)), $"agent {pid} outlived its target");
        }
    }

    [AgentFact]
    public void AgentsRunOnTheStepThreadsCpu()
    {
        using var target = new HostScenarioTarget();
        Assert.True(target.Cpu >= 0);
        var b = (AgentTask)target.CreateTask("B", out _)!;
        var allowed = File.ReadAllLines($"/proc/{b.Pid}/task/{b.Pid}/status").First(l => l.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal));
        Assert.Equal(target.Cpu.ToString(CultureInfo.InvariantCulture), allowed.Split(':')[1].Trim());
    }

    [AgentFact]
    public void AKilledAgentReadsAsExited()
    {
        using var target = new HostScenarioTarget();
        var b = (AgentTask)target.CreateTask("B", out _)!;
        using (var pidfd = SafePidfdHandle.Open(b.Pid))
        {
            pidfd.SendSignal(9);
        }

        Assert.Equal(-Errno.ESRCH, b.Mmap(0, P, Prot.PROT_READ, MapFlags.MAP_PRIVATE | MapFlags.MAP_ANONYMOUS, null, 0, out _));
        Assert.True(b.HasExited);
        Assert.Equal(-Errno.ESRCH, b.Exit());
    }

    [RootAgentFact]
    public void DropcapOfSelfStaysOnTheStepThread()
    {
        Assert.Equal(0, HarnessSyscalls.GetThreadCapabilities(out var before, out _, out _));
        using (var target = new HostScenarioTarget())
        {
            Assert.Equal(0, target.Self.DropCapability((int)Capability.CAP_SYS_NICE));
        }

        Assert.Equal(0, HarnessSyscalls.GetThreadCapabilities(out var after, out _, out _));
        Assert.Equal(before, after);
        Assert.NotEqual(0UL, after & (1UL << (int)Capability.CAP_SYS_NICE));
    }

    [Fact]
    public void ConfigMatchesTheHostExactlyWhenBuiltFromIt()
    {
        using var target = new HostScenarioTarget();
        var thp = HostKernel.TransparentHugepageMode() switch
        {
            "always" => ThpMode.Always,
            "madvise" => ThpMode.Madvise,
            _ => ThpMode.Never,
        };
        var host = new ScenarioConfig(
            HostKernel.SwapTotalKiB() == 0 ? 0UL : 64UL << 20,
            HostKernel.MadviseAccepts(MemoryAdvice.MADV_HWPOISON),
            thp,
            HostKernel.MadviseAccepts(MemoryAdvice.MADV_MERGEABLE));

        Assert.Null(target.Configure(host));
        Assert.Null(target.Configure(new ScenarioConfig(null, null, null, null)));

        var otherThp = thp == ThpMode.Never ? ThpMode.Always : ThpMode.Never;
        var reason = target.Configure(host with { Thp = otherThp, Ksm = !host.Ksm });
        Assert.NotNull(reason);
        Assert.Contains("thp=", reason, StringComparison.Ordinal);
        Assert.Contains("ksm=", reason, StringComparison.Ordinal);
        Assert.DoesNotContain("swap=", reason, StringComparison.Ordinal);
        Assert.Contains("swap=", target.Configure(host with { Swap = host.Swap == 0 ? 1UL << 20 : 0 }), StringComparison.Ordinal);
    }

    private static char State(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return stat[stat.LastIndexOf(')') + 2];
    }
}
