using Madvise.Cli;
using Madvise.Cli.Commands;
using Madvise.Measurement.Workloads;
using Madvise.Kernel;
using Madvise.Scenarios.Tests.Shared;

namespace Madvise.Scenarios.Tests.Cli;

/// <summary>How much memory a measurement may take, and refusing one that would not fit, before it starts.</summary>
public class MemoryAvailabilityTests
{
    private const string MemInfo = "MemTotal:       24684544 kB\nMemFree:        19935232 kB\nMemAvailable:    8388608 kB\n";

    private const string V2Mounts =
        "25 30 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate\n";

    [Fact]
    public void V2_EveryLevelWithALimitCounts_TheTightestWins()
    {
        var files = new Dictionary<string, string>
        {
            ["/proc/meminfo"] = MemInfo,
            ["/proc/self/mountinfo"] = V2Mounts,
            ["/proc/self/cgroup"] = "0::/user.slice/session-1.scope\n",
            ["/sys/fs/cgroup/user.slice/session-1.scope/memory.max"] = "max\n",
            ["/sys/fs/cgroup/user.slice/session-1.scope/memory.current"] = "1000\n",
            ["/sys/fs/cgroup/user.slice/memory.max"] = "4294967296\n",
            ["/sys/fs/cgroup/user.slice/memory.current"] = "1073741824\n",
        };
        var m = MemoryAvailability.Read(p => files.GetValueOrDefault(p));
        Assert.Equal(8UL << 30, m.MemAvailable);
        var limit = Assert.Single(m.Cgroups);
        Assert.Equal(("/user.slice", 4UL << 30, 1UL << 30), (limit.Path, limit.Limit, limit.Usage));
        Assert.Equal(3UL << 30, m.Available);
        Assert.Equal("MemAvailable 8.0 GiB; cgroup /user.slice memory.max 4.0 GiB (1.0 GiB in use)", m.Describe());
    }

    [Fact]
    public void V1_MemoryController_NoLimitIsAHugeNumber()
    {
        var files = new Dictionary<string, string>
        {
            ["/proc/meminfo"] = MemInfo,
            ["/proc/self/mountinfo"] = "40 30 0:35 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n" +
                "41 30 0:36 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n",
            ["/proc/self/cgroup"] = "5:cpu:/\n4:memory:/jobs/a\n0::/\n",
            ["/sys/fs/cgroup/memory/jobs/a/memory.limit_in_bytes"] = "2147483648\n",
            ["/sys/fs/cgroup/memory/jobs/a/memory.usage_in_bytes"] = "536870912\n",
            ["/sys/fs/cgroup/memory/jobs/memory.limit_in_bytes"] = "9223372036854771712\n",
            ["/sys/fs/cgroup/memory/jobs/memory.usage_in_bytes"] = "536870912\n",
        };
        var m = MemoryAvailability.Read(p => files.GetValueOrDefault(p));
        Assert.Equal("/jobs/a", Assert.Single(m.Cgroups).Path);
        Assert.Equal((2UL << 30) - (512UL << 20), m.Available);
    }

    [Fact]
    public void AContainerThatMountsItsOwnCgroupAsTheRoot()
    {
        var files = new Dictionary<string, string>
        {
            ["/proc/self/mountinfo"] = "25 30 0:22 /docker/abc /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
            ["/proc/self/cgroup"] = "0::/docker/abc\n",
            ["/sys/fs/cgroup/memory.max"] = "1073741824",
            ["/sys/fs/cgroup/memory.current"] = "0",
        };
        var m = MemoryAvailability.Read(p => files.GetValueOrDefault(p));
        Assert.Null(m.MemAvailable);
        Assert.Equal(1UL << 30, m.Available);
    }

    [Fact]
    public void NothingReadable_NothingKnown_NeverRefuses()
    {
        var m = MemoryAvailability.Read(_ => null);
        Assert.Null(m.Available);
        Assert.Null(MeasureOptions.CheckMemory(new WorkloadSpec(16UL << 30, 4096, MemoryAdvice.MADV_DONTNEED), Selection("both"), 1, m));
    }

    [Fact]
    public void ThisMachine_HasSomeMemoryAvailable() =>
        Assert.True(MemoryAvailability.Current().MemAvailable > 0);

    [Fact]
    public void NeededMemoryCountsEveryKernelThatLivesAtOnce()
    {
        var spec = new WorkloadSpec(256UL << 20, 4096, MemoryAdvice.MADV_DONTNEED);
        var one = Workloads.MemoryNeeded(Selection("sim", "BatchedLock"), spec);
        Assert.InRange(one, 256UL << 20, 280UL << 20);
        Assert.Equal(4 * one, Workloads.MemoryNeeded(Selection("sim"), spec));
        Assert.InRange(Workloads.MemoryNeeded(Selection("both"), spec) - (4 * one), 256UL << 20, 260UL << 20);
        Assert.Equal(3 * Workloads.MemoryNeeded(Selection("both"), spec), Workloads.MemoryNeeded(Selection("both"), spec, 3));
    }

    [Fact]
    public void Eval_EveryThreadCountIsAWorkloadOfItsOwn()
    {
        var files = new Dictionary<string, string> { ["/proc/meminfo"] = "MemAvailable:    2097152 kB\n" };
        var (code, _, error) = Madv(() => MemoryAvailability.Read(p => files.GetValueOrDefault(p)), "eval", "--mem", "256M", "--target", "sim", "--threads", "1,2,4");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.StartsWith("madv: --mem 256M needs about 3.2 GiB (12 simulated kernels, 256M each", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Eval_MemThatDoesNotFit_RefusedWithTheNumbers_BeforeAnyWork()
    {
        var files = new Dictionary<string, string> { ["/proc/meminfo"] = "MemAvailable:    2097152 kB\n" };
        var (code, output, error) = Madv(() => MemoryAvailability.Read(p => files.GetValueOrDefault(p)), "eval", "--mem", "1G", "--target", "sim");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Empty(output);
        Assert.Equal(
            "madv: --mem 1G needs about 4.1 GiB (4 simulated kernels, 1G each, all alive for the whole run), but 2.0 GiB is available " +
            "(MemAvailable 2.0 GiB; no cgroup memory limit); use a smaller --mem, fewer --profiles, or --target sim or host\n",
            error);
    }

    [Fact]
    public void Contention_SameCheck()
    {
        var files = new Dictionary<string, string> { ["/proc/meminfo"] = "MemAvailable:    1048576 kB\n" };
        var (code, _, error) = Madv(() => MemoryAvailability.Read(p => files.GetValueOrDefault(p)), "contention", "--mem", "1G", "--target", "sim", "--profiles", "BatchedLock");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.StartsWith("madv: --mem 1G needs about 1.0 GiB (1 simulated kernel, 1G each", error, StringComparison.Ordinal);
    }

    [Fact]
    public void CompactBench_TheLayoutMustFit_OneKernelAtATime()
    {
        var files = new Dictionary<string, string> { ["/proc/meminfo"] = "MemAvailable:    1048576 kB\n" };
        var (code, output, error) = Madv(() => MemoryAvailability.Read(p => files.GetValueOrDefault(p)), "compact-bench", "--mem", "2G", "--target", "sim");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Empty(output);
        Assert.Equal("madv: --mem 2G: the target touches that much (one kernel at a time), but 1.0 GiB is available (MemAvailable 1.0 GiB; no cgroup memory limit); use a smaller --mem\n", error);
    }

    private static TargetSelection Selection(string target, string? profiles = null) =>
        TargetSelection.Resolve(target, profiles, MemoryAdvice.MADV_DONTNEED, out _)!;

    private static (int Code, string Output, string Error) Madv(Func<MemoryAvailability>? memory, params string[] args) =>
        MadvCli.Run(Program.CreateTargets(), memory, args);
}
