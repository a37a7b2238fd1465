using Madvise.Host.Tests.Shared;
using Madvise.Abi;

namespace Madvise.Host.Tests.Bindings;

/// <summary>Run-time feature detection.</summary>
public sealed class HostKernelTests
{
    [Theory]
    [InlineData("6.18.2", 6, 18, 2)]
    [InlineData("6.18.44-fc-v657", 6, 18, 44)]
    [InlineData("5.10.0-28-amd64", 5, 10, 0)]
    [InlineData("6.1", 6, 1, -1)]
    [InlineData("6.15-rc3", 6, 15, -1)]
    [InlineData("4.19.0.1", 4, 19, 0)]
    public void ParseReleaseTakesTheNumericPrefix(string release, int major, int minor, int build)
    {
        var v = HostKernel.ParseRelease(release);
        Assert.Equal((major, minor, build), (v.Major, v.Minor, v.Build));
    }

    [Fact]
    public void ReleaseIsWhatProcReports() =>
        Assert.Equal(File.ReadAllText("/proc/sys/kernel/osrelease").Trim(), HostKernel.Release);

    [Fact]
    public void MadviseProbeKnowsValidFromInvalidAdvice()
    {
        Assert.True(HostKernel.MadviseAccepts(MemoryAdvice.MADV_DONTNEED));
        Assert.True(HostKernel.MadviseAccepts(MemoryAdvice.MADV_COLD));
        Assert.False(HostKernel.MadviseAccepts((MemoryAdvice)5));
        Assert.False(HostKernel.MadviseAccepts((MemoryAdvice)999));
        Assert.Equal(Errno.EINVAL, HostKernel.ProbeMadvise((MemoryAdvice)(-1)));
    }

    [ProcessMadviseFact]
    public void ProcessMadviseProbeFollowsTheKernelVersion()
    {
        Assert.True(HostKernel.ProcessMadviseAvailable);
        Assert.True(HostKernel.ProcessMadviseAccepts(MemoryAdvice.MADV_COLD));
        Assert.Equal(Errno.EINVAL, HostKernel.ProbeProcessMadvise((MemoryAdvice)999));

        // 6.13 unrestricted process_madvise on the own process: every behaviour is accepted.
        Assert.Equal(HostKernel.Version >= new Version(6, 13), HostKernel.ProcessMadviseAccepts(MemoryAdvice.MADV_DONTNEED));
        Assert.Equal(HostKernel.Version >= new Version(6, 15), HostKernel.PidfdSelfSupported);
    }

    [Fact]
    public void SwapAndThpComeFromProcAndSys()
    {
        var mode = HostKernel.TransparentHugepageMode();
        Assert.Contains(mode, new[] { "always", "madvise", "never" });
        var swaps = File.ReadAllLines("/proc/swaps");
        Assert.Equal(swaps.Length > 1, HostKernel.SwapTotalKiB() > 0);
    }
}
