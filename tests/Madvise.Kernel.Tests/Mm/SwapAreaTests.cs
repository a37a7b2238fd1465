using Madvise.Kernel.Tests.Shared;
using static Madvise.Abi.MemoryAdvice;

namespace Madvise.Kernel.Tests.Mm;

/// <summary>The swap device costs host memory only for the slots used, in chunks of 512, whatever its configured size.</summary>
public sealed class SwapAreaTests
{
    [Fact]
    public void ATerabyteOfSwapCommitsOnlyTheChunksItsSlotsUse()
    {
        using var b = new MmBuilder(KernelConfig.Default with { MemoryBytes = 64UL << 20, SwapBytes = KernelConfig.MaxSwapBytes });
        var swap = b.Kernel.Swap!;
        Assert.Equal(1 << 28, swap.Slots);
        Assert.Equal(0, swap.ChunksCreated);

        b.Map(0, 600);
        b.Write(0, 600, 0x11);
        Assert.Equal(0, b.Advise(0, 600, MADV_PAGEOUT));
        Assert.Equal(600, swap.UsedSlots);
        Assert.Equal(2, swap.ChunksCreated);

        // Swapped back in: the slots are released and reused before any new one is touched.
        Assert.Equal(string.Join(" ", Enumerable.Repeat("11", 600)), b.Pattern(0, 600));
        Assert.Equal(0, swap.UsedSlots);
        b.Write(0, 600, 0x22);
        Assert.Equal(0, b.Advise(0, 600, MADV_PAGEOUT));
        Assert.Equal(2, swap.ChunksCreated);
        Assert.Equal(string.Join(" ", Enumerable.Repeat("22", 600)), b.Pattern(0, 600));

        b.AssertFrames();
        b.AssertInvariants();
    }
}
