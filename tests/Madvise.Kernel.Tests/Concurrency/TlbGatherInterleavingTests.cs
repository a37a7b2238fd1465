using Madvise.Abi;
using Madvise.Kernel.Syscalls;
using Madvise.Kernel.Tests.Shared;
using static Madvise.Abi.MemoryAdvice;
using static Madvise.Kernel.Tests.Concurrency.StressMappings;

namespace Madvise.Kernel.Tests.Concurrency;

/// <summary>
/// The window between a zap and its TLB flush (Linux: mmu_gather, tlb_finish_mmu()): the
/// entries are cleared but a CPU may still translate the old page until the flush, so the frame
/// must stay allocated until then. The zapping call is stopped right before its flush
/// (<see cref="FaultPoint.GatherBeforeFlush"/>) while this thread, whose CPU cached the
/// translation, keeps loading and another page is faulted in: were the frame freed at the zap,
/// the new page would get it and the stale translation would show the new page's bytes.
/// </summary>
public sealed class TlbGatherInterleavingTests
{
    [Theory]
    [InlineData(KernelProfile.PerRangeLock)]
    [InlineData(KernelProfile.PerVmaLock)]
    [InlineData(KernelProfile.BatchedTlb)]
    public void AZappedFrameIsNotReusedBeforeTheFlush(KernelProfile profile)
    {
        using var kernel = new SimulatedKernel(new KernelConfig { Profile = profile, MemoryBytes = 64UL << 20 });
        var task = kernel.CreateProcess();
        var mm = task.Mm!;
        var x = MapAnon(task, 1);
        var y = MapAnon(task, 1, Prot.PROT_READ | Prot.PROT_WRITE | Prot.PROT_EXEC); // never merged with X
        Span<byte> probe = stackalloc byte[1];
        for (var round = 0; round < 3; round++)
        {
            Assert.Equal((long)Page, mm.FillUser(x, Page, 0x77));
            Assert.Equal(1, mm.ReadUser(x, probe)); // this CPU now translates X
            var framesBefore = kernel.Memory.FramesInUse;
            byte stale;
            Task<long> zap;
            using (var pause = kernel.Faults.PauseAt(FaultPoint.GatherBeforeFlush))
            {
                zap = TestThreads.Start(() => Sys.Madvise(task, x, Page, MADV_DONTNEED));
                Assert.True(pause.WaitReached(TestThreads.HangGuard), "DONTNEED did not reach its flush");
                Assert.True(mm.PageTable.ReadPte(x).IsNone, "DONTNEED cleared X's entry before its flush");
                Assert.Equal(framesBefore, kernel.Memory.FramesInUse);

                // A new page while the old one waits for the flush: it must be another frame.
                Assert.Equal((long)Page, mm.FillUser(y, Page, 0x55));
                Assert.Equal(1, mm.ReadUser(x, probe));
                stale = probe[0];
                pause.Resume();
            }

            Assert.Equal(0L, TestThreads.Join(zap, "DONTNEED"));
            Assert.True(stale == 0x77, $"round {round}: through the unflushed translation X read {stale:x2}: its frame was freed and reused before the flush");
            Assert.Equal(1, mm.ReadUser(x, probe));
            Assert.Equal(0, probe[0]); // after the flush, X faults in a zero page
            Assert.Equal(0, Sys.Madvise(task, y, Page, MADV_DONTNEED));
        }

        mm.AssertInvariants();
        task.Exit();
        AssertAllMemoryBack(kernel, "after exit");
    }
}
