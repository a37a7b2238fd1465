using Madvise.Abi;
using Madvise.Kernel.Mm.Physical;
using Madvise.Kernel.Syscalls;
using Madvise.Kernel.Tests.Shared;
using static Madvise.Abi.MemoryAdvice;

namespace Madvise.Kernel.Tests.Concurrency;

/// <summary>
/// A write fault racing with MADV_DONTNEED of the same pages (both under the mmap read lock).
/// The fault must put its new frame on the LRU before the PTE makes it visible — Linux adds it
/// under the PTE lock — or the zap can free the frame first and the fault then links a free
/// frame into an LRU list, corrupting it when the frame is reused.
/// </summary>
public class FaultZapLruRaceTests
{
    [Fact]
    public void FaultsRacingWithDontNeedKeepTheLruConsistent()
    {
        using var kernel = new SimulatedKernel(new KernelConfig { MemoryBytes = 64UL << 20, Profile = KernelProfile.BatchedLock });
        var task = kernel.CreateProcess();
        var mm = task.Mm!;
        const int pages = 8;
        const ulong bytes = pages * PageSize.PAGE_SIZE;
        var addr = (ulong)Sys.Mmap(task, 0, bytes, Prot.PROT_READ | Prot.PROT_WRITE, MapFlags.MAP_PRIVATE | MapFlags.MAP_ANONYMOUS, -1, 0);
        var rounds = 1_000_000 * TestThreads.StressFactor;
        var stop = 0;

        var zapper = TestThreads.Start(() =>
        {
            while (Volatile.Read(ref stop) == 0)
            {
                Assert.Equal(0, Sys.Madvise(task, addr, bytes, MADV_DONTNEED));
            }
        });

        try
        {
            for (var i = 0; i < rounds; i++)
            {
                var page = addr + ((ulong)(i % pages) * PageSize.PAGE_SIZE);
                Assert.Equal(1, mm.FillUser(page, 1, (byte)i));
            }
        }
        finally
        {
            Volatile.Write(ref stop, 1);
            TestThreads.Join(zapper, "DONTNEED thread");
        }

        // Reuse every frame the race may have left linked while free, then check the lists.
        Assert.Equal(0, Sys.Madvise(task, addr, bytes, MADV_DONTNEED));
        Assert.Equal(bytes, (ulong)mm.FillUser(addr, bytes, 1));
        kernel.Lru.AssertConsistent();
        Assert.Equal(kernel.Memory.CountFramesInUseSlow(), kernel.Memory.FramesInUse);
    }
}
