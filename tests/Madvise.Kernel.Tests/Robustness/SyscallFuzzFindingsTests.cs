using Madvise.Kernel.Syscalls;
using Madvise.Kernel.Tasks;
using Madvise.Kernel.Tests.Shared;
using static Madvise.Abi.MemoryAdvice;

namespace Madvise.Kernel.Tests.Robustness;

/// <summary>
/// Bugs the syscall fuzzer (<see cref="Fuzzing.SyscallFuzzer"/>) found, each pinned by the smallest
/// call sequence that shows it, with the seed of the run that found it.
/// </summary>
public sealed class SyscallFuzzFindingsTests
{
    private const ulong Page = 4096;

    private const ulong PrivateAnon = MapFlags.MAP_PRIVATE | MapFlags.MAP_ANONYMOUS;

    /// <summary>
    /// Seed 7484361968454471804 (a hang): MADV_WILLNEED over a 64 TiB NORESERVE mapping looked
    /// for swap entries a page at a time under the mmap read lock — 2^34 pages, hours, with every
    /// writer of the address space queued behind it. Linux's page walk skips what has no page
    /// table; so does the model now: the call costs the tables there are.
    /// </summary>
    [Fact]
    public void WillneedOverAHugeSparseMappingCostsItsTablesNotItsLength()
    {
        using var kernel = new SimulatedKernel(KernelConfig.Default with { MemoryBytes = 16UL << 20, SwapBytes = 4UL << 20 });
        var task = kernel.CreateProcess();
        const ulong length = 1UL << 46;
        var m = (ulong)Sys.Mmap(task, 0, length, 3, PrivateAnon | MapFlags.MAP_NORESERVE, -1, 0);
        var far = m + length - Page;
        Assert.Equal((long)Page, task.Mm!.FillUser(far, Page, 0x5a));
        Assert.Equal(0, Sys.Madvise(task, far, Page, MADV_PAGEOUT));
        Assert.Equal(0, Resident(task, far));

        var call = TestThreads.Start(() => Sys.Madvise(task, m, length, MADV_WILLNEED));
        Assert.Equal(0, TestThreads.Join(call, "WILLNEED over 64 TiB"));

        // The page far at the end was read back into the swap cache.
        Assert.Equal(1, Resident(task, far));
        task.Mm!.AssertInvariants();
        FrameAudit.Assert(kernel, [task.Mm!]);
    }

    /// <summary>
    /// Seed 7484361968454471804 (a leak, with several workers only): a call that opens a file
    /// (memfd_create, open, pidfd_open) while another thread exits the task installed the
    /// descriptor into the table exit had already closed, so the file kept a reference nothing
    /// would ever drop — its pages and swap slots stayed after every process was gone. A closed
    /// table takes nothing now; the late call gets -ESRCH, as every call of an exited task.
    /// </summary>
    [Fact]
    public void AFileOpenedWhileTheTaskExitsIsNotLeftInItsClosedTable()
    {
        using var kernel = new SimulatedKernel(KernelConfig.Default with { MemoryBytes = 16UL << 20 });
        var owner = kernel.CreateProcess();
        var fd = Sys.CreateFile(owner, 8 * Page, 0x11, memfd: true);
        Assert.True(fd >= 0);

        // The late install, as the racing call makes it: after exit closed the table.
        var exiting = kernel.CreateProcess();
        var files = exiting.Files;
        exiting.Exit();
        Assert.Equal(-1, files.InstallFrom(owner.Files, fd));
        Assert.Equal(0, files.Count);
        owner.Exit();
        Assert.Equal(0, kernel.Memory.FramesInUse);

        // The race itself: files created while the task exits go with it.
        for (var round = 0; round < 50; round++)
        {
            var task = kernel.CreateProcess();
            using var go = new Barrier(2);
            var creator = TestThreads.Start(() =>
            {
                go.SignalAndWait();
                for (var i = 0; i < 20; i++)
                {
                    var r = Sys.CreateFile(task, 2 * Page, 0x22, memfd: i % 2 == 0);
                    Assert.True(r >= 0 || r == -Errno.ESRCH, MmBuilder.Errno(r));
                }
            });
            go.SignalAndWait();
            task.Exit();
            TestThreads.Join(creator, "the creating thread");
            Assert.Equal(0, kernel.Memory.FramesInUse);
        }
    }

    /// <summary>
    /// Seed 3060907810588551828 (a hang): MADV_REMOVE over a 64 TiB shared anonymous mapping —
    /// a shmem file of 2^34 pages — punched the hole one index at a time, and recorded every
    /// index as a hole. shmem_undo_range() visits the pages the file has; so does a long punch
    /// now, and shmem records no holes (an absent page reads as zeros anyway).
    /// </summary>
    [Fact]
    public void RemoveOverAHugeSharedAnonymousMappingCostsItsPagesNotItsLength()
    {
        using var kernel = new SimulatedKernel(KernelConfig.Default with { MemoryBytes = 16UL << 20, SwapBytes = 4UL << 20 });
        var task = kernel.CreateProcess();
        const ulong length = 1UL << 46;
        var m = (ulong)Sys.Mmap(task, 0, length, 3, MapFlags.MAP_SHARED | MapFlags.MAP_ANONYMOUS | MapFlags.MAP_NORESERVE, -1, 0);
        var near = m + (5 * Page);
        var far = m + length - (3 * Page);
        Assert.Equal((long)Page, task.Mm!.FillUser(near, Page, 0x5a));
        Assert.Equal((long)Page, task.Mm!.FillUser(far, Page, 0x6b));
        Assert.Equal((long)Page, task.Mm!.FillUser(far + Page, Page, 0x7c));
        Assert.Equal(0, Sys.Madvise(task, far + Page, Page, MADV_PAGEOUT));

        var call = TestThreads.Start(() => Sys.Madvise(task, m + Page, length - Page, MADV_REMOVE));
        Assert.Equal(0, TestThreads.Join(call, "REMOVE over 64 TiB of shmem"));

        // Every page of the range went, the swapped one too; the reads fault zeros back in.
        Assert.Equal([0, 0, 0], new[] { Resident(task, near), Resident(task, far), Resident(task, far + Page) });
        var data = new byte[1];
        task.Mm!.ReadUser(far + Page, data);
        Assert.Equal(0, data[0]);
        task.Mm!.AssertInvariants();
        FrameAudit.Assert(kernel, [task.Mm!]);
        task.Exit();
        Assert.Equal(0, kernel.Memory.FramesInUse);
    }

    private static byte Resident(TaskStruct task, ulong addr)
    {
        Span<byte> vec = stackalloc byte[1];
        Assert.Equal(0, Sys.Mincore(task, addr, Page, vec));
        return vec[0];
    }
}
