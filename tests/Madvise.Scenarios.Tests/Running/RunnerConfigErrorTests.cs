using Madvise.Cli;
using Madvise.Kernel;
using Madvise.Scenarios.Sim;
using Madvise.Scenarios.Tests.Shared;

namespace Madvise.Scenarios.Tests.Running;

/// <summary>
/// Runner rule 11: a config the sim target cannot hold (a swap size it cannot represent, or more
/// swap than this machine has memory) ends the file at that line, leaves the target as it was,
/// and makes the tools exit as for a file they cannot parse.
/// </summary>
public sealed class RunnerConfigErrorTests : IDisposable
{
    /// <summary>A folder of scenario files private to one test.</summary>
    private readonly string _dir = Directory.CreateTempSubdirectory("madv-config-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string> Unaffordable => ["0xffffffffffffffff", "8192G", "1024G", "-1p"];

    [Theory]
    [MemberData(nameof(Unaffordable))]
    public void ASwapTheKernelCannotHoldStopsTheFileAndKeepsTheTargetUsable(string swap)
    {
        using var target = new SimTarget();
        var before = target.Kernel;
        var output = new StringWriter();
        var diagnostics = new StringWriter();
        var report = ScenarioRunner.Run(Scn.Parse($"config swap={swap}", "mmap A 4p rw private,anon", "write A 4p 0x11"), target, output, diagnostics);

        var config = Assert.Single(report.Steps);
        Assert.Same(config, report.ConfigErrorStep);
        Assert.StartsWith("ERROR(config: swap of ", config.Result, StringComparison.Ordinal);
        Assert.Contains("swap", report.ConfigError, StringComparison.Ordinal);
        Assert.Contains("t.scn:1: sim target cannot take", diagnostics.ToString(), StringComparison.Ordinal);

        // The kernel the target had is still its kernel, alive: a step runs on it.
        Assert.Same(before, target.Kernel);
        Assert.Equal(0, target.Self.Mmap(0, 4096, 3, 0x22, null, 0, out var at));
        Assert.Equal(0, target.Self.Write(at, 4096, 0x11));
    }

    [Fact]
    public void TheLimitsAreTheKernelsAndSwapCostsNothingUntilUsed()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SimulatedKernel(KernelConfig.Default with { SwapBytes = KernelConfig.MaxSwapBytes + 4096 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SimulatedKernel(KernelConfig.Default with { MemoryBytes = KernelConfig.MaxMemoryBytes + 1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SimulatedKernel(KernelConfig.Default with { MemoryBytes = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SimulatedKernel(KernelConfig.Default with { MaxMapCount = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SimulatedKernel(KernelConfig.Default with { Profile = (KernelProfile)99 }));

        // The largest swap device and RAM cost a directory each, nothing more, until used: the
        // allocator keeps about 36 bytes per 2 MiB chunk of RAM (data and metadata pointers, free
        // counts and lists: 18 MiB for 1 TiB), the swap device a pointer per 2 MiB of slots.
        var heap = GC.GetAllocatedBytesForCurrentThread();
        using var kernel = new SimulatedKernel(KernelConfig.Default with { MemoryBytes = KernelConfig.MaxMemoryBytes, SwapBytes = KernelConfig.MaxSwapBytes });
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - heap, 0, 32L << 20);
        Assert.Equal(512, kernel.Memory.CreatedFrames);
    }

    [Theory]
    [MemberData(nameof(Unaffordable))]
    public void RunAndCheckExitAsForAFileThatCannotBeParsed(string swap)
    {
        var file = Path.Combine(_dir, "cfg.scn");
        File.WriteAllText(file, $"config swap={swap}\nmmap A 4p rw private,anon\nwrite A 4p 0x11\n");
        var targets = new ScenarioTargets().Register("sim", () => new SimTarget()).Register("host", () => new FakeTarget("host"));
        foreach (var command in new[] { "run", "check" })
        {
            var output = new StringWriter();
            var error = new StringWriter();
            Assert.Equal(2, Program.Run([command, file], targets, output, error));
            Assert.Contains($"{file}:1: sim target cannot take 'config swap={swap}'", error.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain("mmap A", output.ToString(), StringComparison.Ordinal);
        }
    }
}
