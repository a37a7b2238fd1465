using Madvise.Kernel.Syscalls;
using Madvise.Kernel.Tasks;
using Madvise.Kernel.Tests.Shared;
using static Madvise.Abi.MemoryAdvice;

namespace Madvise.Kernel.Tests.Concurrency;

/// <summary>
/// Reference discipline under races (Linux: fget/fput around mmap, get_file() while the
/// mmap_lock is dropped, mmget/mmput around a system call). Each race is checked on data: what
/// a mapping shows, and that every frame comes back (no page cache left on a dead file, no
/// address space left undestroyed), not only that nothing threw.
/// </summary>
[Collection(StressCollection.Name)]
public sealed class ReferenceRaceTests
{
    private const ulong Page = 4096;

    /// <summary>
    /// One thread maps a file while another closes its only descriptor. Without mmap's own
    /// reference the close could free the file between the lookup and the new VMA: a mapping of
    /// a dead inode, whose pages no one frees. With it, either the mmap fails with -EBADF or the
    /// mapping shows the file's bytes; afterwards, unmapped, the file's pages all go.
    /// </summary>
    [Fact]
    public void MmapRacingWithCloseMapsALiveFileOrFailsWithEbadf()
    {
        using var kernel = new SimulatedKernel(KernelConfig.Default with { MemoryBytes = 64UL << 20 });
        var task = kernel.CreateProcess();
        var rounds = 300 * TestThreads.StressFactor;
        using var start = new Barrier(2);
        int mapped = 0, refused = 0;
        for (var i = 0; i < rounds; i++)
        {
            var fill = (byte)(1 + (i % 250));
            var fd = Sys.CreateFile(task, 4 * Page, fill, memfd: (i & 1) != 0);
            var closer = TestThreads.Start(() =>
            {
                start.SignalAndWait();
                Assert.Equal(0, Sys.Close(task, fd));
            });
            start.SignalAndWait();
            var r = Sys.Mmap(task, 0, 4 * Page, 3, MapFlags.MAP_SHARED, fd, 0);
            TestThreads.Join(closer, "close");
            if (r == -Errno.EBADF)
            {
                refused++;
            }
            else
            {
                Assert.True(r > 0, $"round {i}: mmap gave {MmBuilder.Errno(r)}");
                var bytes = new byte[4 * Page];
                Assert.Equal(bytes.Length, task.Mm!.ReadUser((ulong)r, bytes));
                Assert.True(bytes.AsSpan().IndexOfAnyExcept(fill) < 0, $"round {i}: the mapping does not show the file");
                Assert.Equal(0, Sys.Munmap(task, (ulong)r, 4 * Page));
                mapped++;
            }

            Assert.Equal(0, kernel.Memory.FramesInUse);
        }

        Assert.Equal(0, kernel.OopsCount);
        Assert.True(mapped > 0 && mapped + refused == rounds);
    }

    /// <summary>
    /// WILLNEED on a file drops the mmap_lock to read the file in; meanwhile another thread
    /// unmaps the file and closes it. Without WILLNEED's own reference the file would be freed
    /// under it and the pages it then reads would stay in the page cache of a dead file forever.
    /// </summary>
    [Fact]
    public void WillneedRacingWithUnmapAndCloseLeavesNoPageBehind()
    {
        using var kernel = new SimulatedKernel(KernelConfig.Default with { MemoryBytes = 64UL << 20 });
        var task = kernel.CreateProcess();
        var rounds = 150 * TestThreads.StressFactor;
        using var start = new Barrier(2);
        for (var i = 0; i < rounds; i++)
        {
            var fd = Sys.CreateFile(task, 64 * Page, 0x5a, memfd: false);
            var m = (ulong)Sys.Mmap(task, 0, 64 * Page, 1, MapFlags.MAP_SHARED, fd, 0);
            kernel.Reclaim(); // empty the page cache, so WILLNEED has pages to read in
            var closer = TestThreads.Start(() =>
            {
                start.SignalAndWait();
                Assert.Equal(0, Sys.Munmap(task, m, 64 * Page));
                Assert.Equal(0, Sys.Close(task, fd));
            });
            start.SignalAndWait();
            var r = Sys.Madvise(task, m, 64 * Page, MADV_WILLNEED);
            TestThreads.Join(closer, "munmap and close");
            Assert.True(r is 0 or -Errno.ENOMEM, $"round {i}: WILLNEED gave {MmBuilder.Errno(r)}");
            Assert.Equal(0, kernel.Memory.FramesInUse);
        }

        Assert.Equal(0, kernel.OopsCount);
    }

    /// <summary>
    /// A task exits while several threads of it are in system calls on its address space. Each
    /// call holds the address space until it returns, so none runs on a torn-down one; the last
    /// to return tears it down. Afterwards (once every CPU's folio batches are drained) every
    /// frame is back, and no call oopsed.
    /// </summary>
    [Fact]
    public void ExitWhileSystemCallsRunFreesEverythingOnceTheLastCallReturns()
    {
        using var kernel = new SimulatedKernel(KernelConfig.Default with { MemoryBytes = 64UL << 20, SwapBytes = 16UL << 20 });
        var rounds = 40 * TestThreads.StressFactor;
        const int threads = 3;
        for (var i = 0; i < rounds; i++)
        {
            var task = kernel.CreateProcess();
            var fd = Sys.CreateFile(task, 16 * Page, 0x11, memfd: (i & 1) != 0);
            var progress = 0;
            var workers = new Task[threads];
            for (var t = 0; t < threads; t++)
            {
                var seed = (i * threads) + t;
                workers[t] = TestThreads.Start(() => Churn(task, fd, seed, ref progress));
            }

            TestThreads.WaitUntil(() => Volatile.Read(ref progress) >= threads * 4 || workers.Any(w => w.IsCompleted), "the workers' first calls");
            task.Exit();
            foreach (var w in workers)
            {
                TestThreads.Join(w, "a worker of the exited task");
            }

            Assert.Null(task.Mm);

            // The workers' FREE and COLD calls may have left frames in their CPUs' folio
            // batches, which hold references until a drain.
            kernel.LruBatches.DrainAll();
            Assert.Equal(0, kernel.Memory.FramesInUse);
            Assert.Equal(0, kernel.Swap!.UsedSlots);
        }

        Assert.Equal(0, kernel.OopsCount);
    }

    /// <summary>System calls of every kind on <paramref name="task"/> until it has exited (they then return -ESRCH).</summary>
    private static void Churn(TaskStruct task, long fd, int seed, ref int progress)
    {
        var random = new Random(seed);
        while (true)
        {
            var len = (ulong)random.Next(1, 9) * Page;
            var shared = random.Next(3) == 0;
            var m = Sys.Mmap(task, 0, len, 3, (ulong)(shared ? MapFlags.MAP_SHARED : MapFlags.MAP_PRIVATE | MapFlags.MAP_ANONYMOUS), shared ? fd : -1, 0);
            if (m == -Errno.ESRCH)
            {
                return;
            }

            Interlocked.Increment(ref progress);
            if (m < 0)
            {
                continue;
            }

            var addr = (ulong)m;
            var advice = random.Next(5) switch
            {
                0 => MADV_DONTNEED,
                1 => MADV_PAGEOUT,
                2 => MADV_POPULATE_WRITE,
                3 => MADV_FREE,
                _ => MADV_WILLNEED,
            };
            _ = Sys.Madvise(task, addr, len, MADV_POPULATE_WRITE);
            _ = Sys.Madvise(task, addr, len, advice);
            _ = Sys.Mlock(task, addr, Page);
            _ = Sys.Mprotect(task, addr, Page, 1);
            var one = new byte[8];
            _ = Sys.Mincore(task, addr, len, one);
            if (Sys.Fork(task, out var child) > 0)
            {
                child!.Exit();
            }

            if (Sys.Munmap(task, addr, len) == -Errno.ESRCH)
            {
                return;
            }
        }
    }
}
