using Madvise.Abi;
using Madvise.Kernel.Syscalls;
using Madvise.Kernel.Tests.Shared;
using static Madvise.Abi.MemoryAdvice;

namespace Madvise.Kernel.Tests.Concurrency;

/// <summary>
/// Per-CPU folio batches under concurrency: two threads (two simulated CPUs) queue the same
/// pages on their own lazy-free and deactivate batches while a third drains every CPU's and a
/// fourth pins the pages with process_vm_readv, which copies a page fork shared while a batch
/// holds it. Every store must be read back, and afterwards every reference a batch held must be
/// gone and every frame accounted for.
/// </summary>
public class LruBatchRaceTests
{
    [Fact]
    public void QueueingDrainingAndUnsharingRacingKeepDataAndCountsRight()
    {
        using var kernel = new SimulatedKernel(new KernelConfig { MemoryBytes = 64UL << 20, Profile = KernelProfile.PerVmaLock });
        var task = kernel.CreateProcess();
        var mm = task.Mm!;
        const int pages = 16;
        const ulong bytes = pages * PageSize.PAGE_SIZE;
        var addr = (ulong)Sys.Mmap(task, 0, bytes, Prot.PROT_READ | Prot.PROT_WRITE, MapFlags.MAP_PRIVATE | MapFlags.MAP_ANONYMOUS, -1, 0);
        Assert.Equal((long)bytes, mm.FillUser(addr, bytes, 0x11));

        // Fork shares the pages, the child unmaps them: they are the parent's alone again, but not
        // marked exclusive, so a pin must unshare them.
        var child = task.Fork(out var forkError);
        Assert.True(child is not null, $"fork failed: {forkError}");
        Assert.Equal(0, Sys.Munmap(child, addr, bytes));

        var rounds = 5_000 * TestThreads.StressFactor;
        var stop = 0;
        var failures = 0;

        // Thread A owns the first half: it frees, stores a round number, and reads it back.
        // Thread B owns the second half: the same, with COLD in between.
        Task Owner(int first, MemoryAdvice extra) => TestThreads.Start(() =>
        {
            var one = new byte[1];
            for (var i = 0; i < rounds; i++)
            {
                var page = addr + ((ulong)(first + (i % (pages / 2))) * PageSize.PAGE_SIZE);
                var value = (byte)(i + 1);
                Assert.Equal(0, Sys.Madvise(task, page, PageSize.PAGE_SIZE, MADV_FREE));
                Assert.Equal(0, Sys.Madvise(task, page, PageSize.PAGE_SIZE, extra));
                Assert.Equal(1, mm.FillUser(page + 7, 1, value));
                Assert.Equal(1, mm.ReadUser(page + 7, one));
                if (one[0] != value)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        });

        var a = Owner(0, MADV_WILLNEED);
        var b = Owner(pages / 2, MADV_COLD);
        var drainer = TestThreads.Start(() =>
        {
            while (Volatile.Read(ref stop) == 0)
            {
                kernel.LruBatches.DrainAll();
            }
        });
        var reader = TestThreads.Start(() =>
        {
            var buffer = new byte[bytes];
            while (Volatile.Read(ref stop) == 0)
            {
                Assert.Equal((long)bytes, mm.ReadRemote(addr, buffer));
            }
        });

        try
        {
            TestThreads.Join(a, "thread A");
            TestThreads.Join(b, "thread B");
        }
        finally
        {
            Volatile.Write(ref stop, 1);
            TestThreads.Join(drainer, "drainer");
            TestThreads.Join(reader, "reader");
        }

        Assert.Equal(0, failures);
        FrameAudit.Assert(kernel, [mm, child.Mm!]);
        kernel.LruBatches.DrainAll();
        kernel.Lru.AssertConsistent();
        FrameAudit.Assert(kernel, [mm, child.Mm!]);
        child.Exit();
        task.Exit();
        StressMappings.AssertAllMemoryBack(kernel, "after the race");
    }
}
