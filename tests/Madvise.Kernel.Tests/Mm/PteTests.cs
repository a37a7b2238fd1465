using Madvise.Kernel.Mm.PageTables;
using Madvise.Kernel.Mm.Physical;

namespace Madvise.Kernel.Tests.Mm;

/// <summary>The 64-bit PTE encoding: present entries, software entries, and that no two kinds alias.</summary>
public sealed class PteTests
{
    [Theory]
    [InlineData(0, false, false, false)]
    [InlineData(1, true, false, false)]
    [InlineData(12345, false, true, true)]
    [InlineData(0x0fff_ffff, true, true, true)]
    public void PresentEntriesRoundTrip(int pfn, bool writable, bool dirty, bool young)
    {
        var pte = Pte.Make(pfn, writable, dirty, young);
        Assert.True(pte.IsPresent);
        Assert.False(pte.IsNone);
        Assert.False(pte.IsSwap);
        Assert.False(pte.IsGuard);
        Assert.False(pte.IsPoison);
        Assert.False(pte.IsSoftware);
        Assert.Equal(pfn, pte.Pfn);
        Assert.Equal(writable, pte.Writable);
        Assert.Equal(dirty, pte.Dirty);
        Assert.Equal(young, pte.Young);
    }

    [Fact]
    public void BitChangesTouchOnlyTheirBit()
    {
        var pte = Pte.Make(77, writable: false, dirty: false, young: false);
        var all = pte.WithWritable(true).WithDirty(true).WithYoung(true);
        Assert.Equal(Pte.Make(77, true, true, true), all);
        Assert.Equal(pte, all.WithWritable(false).WithDirty(false).WithYoung(false));
        Assert.Equal(77, all.WithWritable(false).Pfn);
        Assert.True(all.WithYoung(false).Dirty);
        Assert.True(all.WithDirty(false).Writable);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(65535)]
    public void SwapEntriesCarryTheirSlotAndAreNotPresent(int slot)
    {
        var pte = Pte.Swap(slot);
        Assert.True(pte.IsSwap);
        Assert.True(pte.IsSoftware);
        Assert.False(pte.IsPresent);
        Assert.False(pte.IsNone);
        Assert.False(pte.IsGuard);
        Assert.False(pte.IsPoison);
        Assert.Equal(slot, pte.SwapSlot);
    }

    [Fact]
    public void MarkersAreSoftwareEntriesOfTheirOwnKind()
    {
        Assert.True(Pte.GuardMarker.IsGuard);
        Assert.False(Pte.GuardMarker.IsPoison);
        Assert.False(Pte.GuardMarker.IsSwap);
        Assert.True(Pte.GuardMarker.IsSoftware);
        Assert.True(Pte.PoisonMarker.IsPoison);
        Assert.False(Pte.PoisonMarker.IsGuard);
        Assert.False(Pte.PoisonMarker.IsSwap);
        Assert.True(Pte.PoisonMarker.IsSoftware);
        Assert.True(Pte.None.IsNone);
        Assert.False(Pte.None.IsSoftware);
        Assert.False(Pte.None.IsPresent);
        Assert.Equal(0UL, Pte.None.Raw);
    }

    [Fact]
    public void NoTwoKindsShareAnEncoding()
    {
        Pte[] all = [Pte.None, Pte.GuardMarker, Pte.PoisonMarker, Pte.Swap(0), Pte.Swap(1), Pte.Make(0, false, false, false), Pte.Make(1, false, false, false)];
        Assert.Equal(all.Length, all.Select(p => p.Raw).Distinct().Count());

        // The zero page's entry is present even though its pfn is 0.
        Assert.True(Pte.Make(PhysicalMemory.ZeroPfn, false, false, false).IsPresent);
    }

    [Fact]
    public void ToStringNamesTheKind()
    {
        Assert.Equal("none", Pte.None.ToString());
        Assert.Equal("guard", Pte.GuardMarker.ToString());
        Assert.Equal("poison", Pte.PoisonMarker.ToString());
        Assert.Equal("swap 9", Pte.Swap(9).ToString());
        Assert.Equal("pfn 4 w d y", Pte.Make(4, true, true, true).ToString());
    }
}
