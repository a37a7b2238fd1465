using System.Runtime.InteropServices;
using CsCheck;
using Madvise.Abi;
using Madvise.Kernel.Syscalls;
using static Madvise.Abi.MemoryAdvice;

namespace Madvise.Kernel.Tests.Advice;

/// <summary>
/// process_madvise() with the iovec array given in kernel memory (a trace replay knows the
/// ranges, not the caller's memory) answers exactly as with the array in the caller's memory,
/// check for check; and the mmap_lock's cheap acquisition counts equal its full statistics.
/// </summary>
public sealed class KernelIovecTests
{
    private const ulong Page = PageSize.PAGE_SIZE;

    /// <summary>A 64-page mapping at a fixed address, the ranges' playground.</summary>
    private const ulong Arena = 0x7f00_0000_0000;

    /// <summary>Where the caller's copy of the array lives.</summary>
    private const ulong ArrayAt = 0x6000_0000_0000;

    [Fact]
    public void SameResultAsTheArrayInUserMemory()
    {
        var entry = Gen.OneOf(
            Gen.Select(Gen.Int[0, 70], Gen.Int[0, 8]).Select(t => new IoVec(Arena + ((ulong)t.Item1 * Page), (ulong)t.Item2 * Page)),
            Gen.Select(Gen.ULong, Gen.ULong).Select(t => new IoVec(t.Item1, t.Item2)),
            Gen.ULong[0, 8192].Select(len => new IoVec(PageSize.TASK_SIZE - Page, len)),
            Gen.Const(new IoVec(Arena + 1, Page)));
        Gen.Select(entry.Array[0, 40], Gen.Int[-2, 1100], Gen.Int[0, 3], Gen.Bool)
            .Sample(
                (entries, vlenDelta, flagsPick, cold) =>
                {
                    // vlen: all entries, fewer, or more than UIO_MAXIOV (rejected before any is read).
                    var vlen = vlenDelta < 0 ? (ulong)entries.Length : vlenDelta > 1024 ? (ulong)vlenDelta : (ulong)Math.Min(entries.Length, vlenDelta);
                    var flags = flagsPick == 3 ? 1UL : 0;
                    var advice = cold ? MADV_COLD : MADV_WILLNEED;
                    Assert.Equal(UserArray(entries, vlen, advice, flags), KernelArray(entries, vlen, advice, flags));
                },
                iter: 400,
                threads: 1);
    }

    [Fact]
    public void ShorterSpanThanVlen_Throws()
    {
        using var kernel = new SimulatedKernel();
        var task = kernel.CreateProcess();
        Assert.Throws<ArgumentException>(() => Sys.ProcessMadvise(task, PidfdConstants.PIDFD_SELF_THREAD_GROUP, [new IoVec(Arena, Page)], 2, (long)MADV_COLD, 0));
        Assert.Equal(-Errno.EINVAL, Sys.ProcessMadvise(task, PidfdConstants.PIDFD_SELF_THREAD_GROUP, [], 1025, (long)MADV_COLD, 0));
        Assert.Equal(0, Sys.ProcessMadvise(task, PidfdConstants.PIDFD_SELF_THREAD_GROUP, [], 0, (long)MADV_COLD, 0));
    }

    [Fact]
    public void AcquisitionCounts_EqualTheStatistics()
    {
        using var kernel = new SimulatedKernel();
        var task = kernel.CreateProcess();
        Sys.Mmap(task, Arena, 16 * Page, Prot.PROT_READ | Prot.PROT_WRITE, MapFlags.MAP_PRIVATE | MapFlags.MAP_ANONYMOUS | MapFlags.MAP_FIXED, -1, 0);
        for (var i = 0; i < 5; i++)
        {
            Sys.Madvise(task, Arena, Page, MADV_COLD);
            Sys.Mprotect(task, Arena, Page, Prot.PROT_READ);
        }

        var mm = task.Mm!;
        var stats = mm.MmapLock.GetStatistics();
        Assert.Equal((stats.ReadAcquisitions, stats.WriteAcquisitions), mm.MmapLock.AcquisitionCounts());
        Assert.True(stats.ReadAcquisitions >= 5 && stats.WriteAcquisitions >= 6);
        Assert.Same(mm.FindVmaUnlocked(Arena + Page), mm.FindVmaUnlocked(Arena + (2 * Page)));
        Assert.Equal(Arena, mm.FindVmaUnlocked(0x1000)!.Start);
        Assert.Null(mm.FindVmaUnlocked(Arena + (16 * Page)));
    }

    private static long UserArray(IoVec[] entries, ulong vlen, MemoryAdvice advice, ulong flags)
    {
        using var kernel = new SimulatedKernel();
        var task = Setup(kernel);
        var bytes = MemoryMarshal.AsBytes(entries.AsSpan());
        Sys.Mmap(task, ArrayAt, PageSize.PageAlign((ulong)Math.Max(bytes.Length, 1)), Prot.PROT_READ | Prot.PROT_WRITE, MapFlags.MAP_PRIVATE | MapFlags.MAP_ANONYMOUS | MapFlags.MAP_FIXED, -1, 0);
        task.Mm!.WriteUser(ArrayAt, bytes);
        return Sys.ProcessMadvise(task, PidfdConstants.PIDFD_SELF_THREAD_GROUP, ArrayAt, vlen, (long)advice, flags);
    }

    private static long KernelArray(IoVec[] entries, ulong vlen, MemoryAdvice advice, ulong flags)
    {
        using var kernel = new SimulatedKernel();
        var task = Setup(kernel);
        return Sys.ProcessMadvise(task, PidfdConstants.PIDFD_SELF_THREAD_GROUP, entries, vlen, (long)advice, flags);
    }

    private static Kernel.Tasks.TaskStruct Setup(SimulatedKernel kernel)
    {
        var task = kernel.CreateProcess();
        Sys.Mmap(task, Arena, 64 * Page, Prot.PROT_READ | Prot.PROT_WRITE, MapFlags.MAP_PRIVATE | MapFlags.MAP_ANONYMOUS | MapFlags.MAP_FIXED, -1, 0);
        return task;
    }
}
