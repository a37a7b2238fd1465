using Madvise.Compaction.Engine;
using Madvise.Compaction.Planning;
using static Madvise.Abi.MemoryAdvice;

namespace Madvise.Compaction.Tests.Planning;

public class CompactionPlannerTests
{
    private const ulong P = PageSize.PAGE_SIZE;

    // A /proc/PID/maps excerpt of each kind Android's classification tells apart.
    private static readonly TargetMapping Heap = TargetMapping.FromPerms(0x1000_0000, 0x1000_0000 + (16 * P), "rw-p", 0, "[heap]");
    private static readonly TargetMapping LibText = TargetMapping.FromPerms(0x2000_0000, 0x2000_0000 + (8 * P), "r-xp", 1234, "/usr/lib/libc.so.6");
    private static readonly TargetMapping SharedFile = TargetMapping.FromPerms(0x3000_0000, 0x3000_0000 + (4 * P), "rw-s", 99, "/dev/shm/x");
    private static readonly TargetMapping SharedAnon = TargetMapping.FromPerms(0x4000_0000, 0x4000_0000 + (4 * P), "rw-s", 5678, "/dev/zero (deleted)");
    private static readonly TargetMapping Guard = TargetMapping.FromPerms(0x5000_0000, 0x5000_0000 + (64 * P), "---p", 0, string.Empty);
    private static readonly TargetMapping Vsyscall = TargetMapping.FromPerms(0xffff_ffff_ff60_0000, 0xffff_ffff_ff60_1000, "--xp", 0, "[vsyscall]");

    private static readonly TargetMapping[] Maps = [Heap, LibText, SharedFile, SharedAnon, Guard, Vsyscall];

    [Fact]
    public void AnonModePagesOutPrivateAnonymousMemoryOnly()
    {
        var plan = CompactionPlanner.Create(Maps, new CompactionOptions { Mode = CompactionMode.Anon }, PageSize.TASK_SIZE);
        var phase = Assert.Single(plan.Phases);
        Assert.Equal(MADV_PAGEOUT, phase.Advice);
        Assert.Equal([Heap.Start, Guard.Start], phase.Ranges.Select(r => r.Start));
        Assert.Equal([false, true], phase.Ranges.Select(r => r.Reserved));
        Assert.True(plan.PagesOutAnonymous);
        Assert.Equal(4, plan.MappingsLeftOut);
    }

    [Fact]
    public void FileModeColdsPrivateFileMappingsOnly()
    {
        var plan = CompactionPlanner.Create(Maps, new CompactionOptions { Mode = CompactionMode.File }, PageSize.TASK_SIZE);
        var phase = Assert.Single(plan.Phases);
        Assert.Equal(MADV_COLD, phase.Advice);
        Assert.Equal([LibText.Start], phase.Ranges.Select(r => r.Start));
        Assert.False(plan.PagesOutAnonymous);
    }

    [Fact]
    public void AllModePagesOutAnonymousFirstAndColdsEverythingElseButVsyscall()
    {
        var plan = CompactionPlanner.Create(Maps, new CompactionOptions { Mode = CompactionMode.All }, PageSize.TASK_SIZE);
        Assert.Equal([MADV_PAGEOUT, MADV_COLD], plan.Phases.Select(p => p.Advice));
        Assert.Equal([Heap.Start, Guard.Start], plan.Phases[0].Ranges.Select(r => r.Start));
        Assert.Equal([LibText.Start, SharedFile.Start, SharedAnon.Start], plan.Phases[1].Ranges.Select(r => r.Start));

        // [vsyscall] lies above the user address limit: import_iovec() would refuse the whole vector.
        Assert.Equal(1, plan.MappingsLeftOut);
        Assert.Equal(Heap.Length + Guard.Length + LibText.Length + SharedFile.Length + SharedAnon.Length, plan.Bytes);
    }

    [Fact]
    public void FilePageoutMovesPrivateFileMappingsIntoThePageoutPhase()
    {
        var plan = CompactionPlanner.Create(Maps, new CompactionOptions { Mode = CompactionMode.All, FilePageout = true }, PageSize.TASK_SIZE);
        Assert.Equal([Heap.Start, LibText.Start, Guard.Start], plan.Phases[0].Ranges.Select(r => r.Start));
        Assert.Equal([SharedFile.Start, SharedAnon.Start], plan.Phases[1].Ranges.Select(r => r.Start));
    }

    [Fact]
    public void PermsColumnIsParsed()
    {
        var m = TargetMapping.FromPerms(0, P, "r-xs", 3, "f");
        Assert.True(m.Readable && !m.Writable && m.Executable && m.Shared && !m.IsReserved);
        Assert.True(TargetMapping.FromPerms(0, P, "---p", 0, string.Empty).IsReserved);
        Assert.Throws<FormatException>(() => TargetMapping.FromPerms(0, P, "rw", 0, string.Empty));
    }
}
