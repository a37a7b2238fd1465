using Madvise.Kernel.Tests.Shared;
using static Madvise.Abi.MemoryAdvice;

namespace Madvise.Kernel.Tests.Concurrency;

/// <summary>
/// The order between reclaim and a swap-in fault, made deterministic. Reclaim publishes a swap
/// entry under the PTE lock and only then, still under the lock and after the TLB flush, makes
/// its final copy of the page into the slot (so that stores made until the flush are kept); the
/// fault handler dispatches on a lockless read of the entry. So a fault must read the slot under
/// the PTE lock, or it can install the data from before the last stores.
/// </summary>
[Collection(StressCollection.Name)]
public sealed class SwapInOrderingTests
{
    [Fact]
    public unsafe void SwapInWaitsForReclaimsFinalCopyIntoTheSlot()
    {
        using var b = new MmBuilder(KernelConfig.Default with { SwapBytes = 16UL << 20 });
        var kernel = b.Kernel;
        b.Map(0, 1);
        b.Write(0, 1, 0x11);
        Assert.Equal(0, b.Advise(0, 1, MADV_PAGEOUT));
        var entry = b.PteAt(0);
        Assert.True(entry.IsSwap);

        // What the page's last stores left, for reclaim's final copy to put into the slot.
        var latest = kernel.Memory.Allocate(zero: false);
        new Span<byte>(kernel.Memory.Data(latest), 4096).Fill(0x22);

        byte[]? read = null;
        Task reader;
        var table = b.Mm.PageTable.Lookup(MmBuilder.Addr(0))!;
        using (table.Ptl.EnterScope())
        {
            // Reclaim between publishing the swap entry (done, holding 0x11) and its final copy.
            var faults = kernel.Stats.PageFaults;
            reader = TestThreads.Start(() => read = b.TryRead(0, 1));
            TestThreads.WaitUntil(() => kernel.Stats.PageFaults > faults, "the reader's fault");

            // Room for a fault handler that does not wait for this lock to copy the slot now.
            Thread.Sleep(50);
            kernel.Swap!.Store(entry.SwapSlot, latest);
        }

        TestThreads.Join(reader, "the reader");
        kernel.Memory.Put(latest);
        Assert.NotNull(read);
        Assert.Equal((byte)0x22, MmBuilder.Uniform(read));
        b.AssertInvariants();
    }
}
