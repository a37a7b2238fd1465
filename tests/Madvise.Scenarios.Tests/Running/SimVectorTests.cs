using Madvise.Kernel;
using Madvise.Scenarios.Sim;
using Madvise.Scenarios.Tests.Shared;

namespace Madvise.Scenarios.Tests.Running;

/// <summary>
/// A pmadvise vector leaves no trace in the sim task's address space. The sim target used to
/// write every array into a scratch mapping of its own at 0x10000000: a scenario's MAP_FIXED
/// there had the next vector written into its page and was hidden from vmas, and a vector naming
/// that address advised the scratch instead of failing (both found by the mutation fuzzer's host
/// sample). Expected results are the host's (Linux 6.18, scnhost.py).
/// </summary>
public sealed class SimVectorTests
{
    [Theory]
    [MemberData(nameof(Profiles))]
    public void AMappingWhereTheScratchWas_KeepsItsBytesAndIsListed(KernelProfile profile)
    {
        Assert.Equal(
            ["ok", "4096", "ok", "0", "4096", "22*4096", "[0p-1p rw-p]"],
            Results(profile,
                "mmap A 1p rw private,anon",
                "pmadvise self [A 1p] COLD",
                "mmap X 1p rw private,anon,fixed at=0x10000000",
                "write X 1p 0x22",
                "pmadvise self [A 1p] COLD",
                "read X 1p",
                "vmas X 1p"));
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void AVectorNamingTheOldScratchAddress_FindsNothingThere(KernelProfile profile)
    {
        Assert.Equal(
            ["ok", "-ENOMEM", "4096", "[]"],
            Results(profile,
                "mmap A 1p rw private,anon",
                "pmadvise self [0x10000000 6p; 0x10000000 5p] REMOVE",
                "pmadvise self [A 1p; 0x10000000 1p] COLD",
                "vmas 0x10000000 5p"));
    }

    public static TheoryData<KernelProfile> Profiles() => [.. Enum.GetValues<KernelProfile>()];

    private static string[] Results(KernelProfile profile, params string[] lines)
    {
        using var target = new SimTarget(profile);
        return [.. ScenarioRunner.Run(Scn.Parse(lines), target, TextWriter.Null).Steps.Select(s => s.Result)];
    }
}
