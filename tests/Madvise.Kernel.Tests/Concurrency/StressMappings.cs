using System.Runtime.InteropServices;
using Madvise.Abi;
using Madvise.Kernel.Mm.Reclaim;
using Madvise.Kernel.Syscalls;
using Madvise.Kernel.Tasks;

namespace Madvise.Kernel.Tests.Concurrency;

/// <summary>System calls the race tests make over and over, with the success they require.</summary>
internal static class StressMappings
{
    /// <summary>Bytes per page.</summary>
    public const ulong Page = PageSize.PAGE_SIZE;

    /// <summary>Read and write.</summary>
    public const int ReadWrite = Prot.PROT_READ | Prot.PROT_WRITE;

    /// <summary>Private anonymous mapping flags.</summary>
    public const int PrivateAnon = MapFlags.MAP_PRIVATE | MapFlags.MAP_ANONYMOUS;

    /// <summary>mmap(2) of <paramref name="pages"/> private anonymous pages, placed by the kernel; fails the test on an error.</summary>
    public static ulong MapAnon(TaskStruct task, ulong pages, int prot = ReadWrite)
    {
        var addr = Sys.Mmap(task, 0, pages * Page, (ulong)prot, PrivateAnon, -1, 0);
        Assert.True(addr > 0, $"mmap of {pages} pages failed: {addr}");
        return (ulong)addr;
    }

    /// <summary>mmap(2) with MAP_FIXED over [addr, addr + pages): fresh zero pages replace whatever was there.</summary>
    public static void MapAnonFixed(TaskStruct task, ulong addr, ulong pages, int prot = ReadWrite)
    {
        var got = Sys.Mmap(task, addr, pages * Page, (ulong)prot, PrivateAnon | MapFlags.MAP_FIXED, -1, 0);
        Assert.Equal((long)addr, got);
    }

    /// <summary>munmap(2) that must succeed.</summary>
    public static void Unmap(TaskStruct task, ulong addr, ulong pages) => Assert.Equal(0, Sys.Munmap(task, addr, pages * Page));

    /// <summary>mprotect(2) that must succeed.</summary>
    public static void Protect(TaskStruct task, ulong addr, ulong pages, int prot) => Assert.Equal(0, Sys.Mprotect(task, addr, pages * Page, (ulong)prot));

    /// <summary>Unmaps every VMA of the task's address space (one munmap per VMA, as listed now); no PTE table may remain.</summary>
    public static void UnmapAll(TaskStruct task)
    {
        foreach (var (start, end, _) in task.Mm!.VmaList())
        {
            Assert.Equal(0, Sys.Munmap(task, start, end - start));
        }

        Assert.Equal(0, task.Mm!.MapCount);
        Assert.Equal(0, task.Mm!.PteTableCount);
    }

    /// <summary>Stores <paramref name="iovecs"/> at <paramref name="addr"/> in the task's memory, where process_madvise reads them.</summary>
    public static void WriteIovecs(TaskStruct task, ulong addr, ReadOnlySpan<IoVec> iovecs)
    {
        var bytes = MemoryMarshal.AsBytes(iovecs);
        Assert.Equal(bytes.Length, task.Mm!.WriteUser(addr, bytes));
    }

    /// <summary>process_madvise(2) on the caller's own address space (PIDFD_SELF) with the <paramref name="count"/> iovecs at <paramref name="vec"/>.</summary>
    public static long ProcessMadviseSelf(TaskStruct task, ulong vec, int count, MemoryAdvice behavior) =>
        Sys.ProcessMadvise(task, PidfdConstants.PIDFD_SELF_THREAD_GROUP, vec, (ulong)count, behavior, 0);

    /// <summary>
    /// After the task has exited and every CPU's folio batches are drained: no frame, swap slot
    /// or LRU entry of the kernel is left in use (the counters and a scan of every frame agree).
    /// </summary>
    public static void AssertAllMemoryBack(SimulatedKernel kernel, string what)
    {
        // Frames waiting in a CPU's folio batch are still referenced until a drain.
        kernel.LruBatches.DrainAll();
        Assert.True(kernel.Memory.FramesInUse == 0, $"{what}: {kernel.Memory.FramesInUse} frames still in use");
        Assert.Equal(0, kernel.Memory.CountFramesInUseSlow());
        if (kernel.Swap is { } swap)
        {
            Assert.True(swap.UsedSlots == 0, $"{what}: {swap.UsedSlots} swap slots still in use");
        }

        foreach (var list in Enum.GetValues<LruList>())
        {
            Assert.True(kernel.Lru.Count(list) == 0, $"{what}: {kernel.Lru.Count(list)} frames left on {list}");
        }
    }
}
