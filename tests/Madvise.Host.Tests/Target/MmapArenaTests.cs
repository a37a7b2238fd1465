using Madvise.Abi;
using Madvise.Scenarios.Host;

namespace Madvise.Host.Tests.Target;

/// <summary>Top-down placement in the arena, as Linux places unhinted mappings.</summary>
public sealed class MmapArenaTests
{
    /// <summary>Bytes in a page.</summary>
    private const ulong P = PageSize.PAGE_SIZE;
    /// <summary>Bottom of the test arena.</summary>
    private const ulong Bottom = 0x1000_0000_0000;
    /// <summary>Top of the test arena (1024 pages up).</summary>
    private const ulong Top = Bottom + (1024 * P);

    [Fact]
    public void PlacesBelowTheMappingAboveAndReusesTheHighestHole()
    {
        var arena = new MmapArena(Bottom, Top);
        var used = new RangeSet();

        Assert.True(arena.TryFindTopDown(used.Ranges, 8 * P, P, out var a));
        Assert.Equal(Top - (8 * P), a);
        used.Add(a, a + (8 * P));
        Assert.True(arena.TryFindTopDown(used.Ranges, 4 * P, P, out var b));
        Assert.Equal(a - (4 * P), b);
        used.Add(b, b + (4 * P));

        used.Remove(a + (2 * P), a + (4 * P)); // a two-page hole
        Assert.True(arena.TryFindTopDown(used.Ranges, 2 * P, P, out var c));
        Assert.Equal(a + (2 * P), c);
        Assert.True(arena.TryFindTopDown(used.Ranges, 3 * P, P, out var d));
        Assert.Equal(b - (3 * P), d);
    }

    [Fact]
    public void AlignsLargePrivateAnonymousMappingsToHugePages()
    {
        Assert.Equal(MmapArena.PmdSize, MmapArena.Alignment(4 * MmapArena.PmdSize, MapFlags.MAP_PRIVATE | MapFlags.MAP_ANONYMOUS, hasFile: false));
        Assert.Equal(P, MmapArena.Alignment(MmapArena.PmdSize + P, MapFlags.MAP_PRIVATE | MapFlags.MAP_ANONYMOUS, hasFile: false));
        Assert.Equal(P, MmapArena.Alignment(MmapArena.PmdSize, MapFlags.MAP_SHARED | MapFlags.MAP_ANONYMOUS, hasFile: false));
        Assert.Equal(P, MmapArena.Alignment(MmapArena.PmdSize, MapFlags.MAP_PRIVATE, hasFile: true));

        var arena = new MmapArena(0x1000_0000_0000, 0x1000_0100_0000 - P);
        Assert.True(arena.TryFindTopDown([], MmapArena.PmdSize, MmapArena.PmdSize, out var x));
        Assert.Equal(0UL, x % MmapArena.PmdSize);
        Assert.True(x + MmapArena.PmdSize <= arena.Top);
    }

    [Fact]
    public void FailsWhenNothingFits()
    {
        var arena = new MmapArena(Bottom, Top);
        Assert.False(arena.TryFindTopDown([], Top - Bottom + P, P, out _));
        Assert.False(arena.TryFindTopDown([(Bottom + P, Top)], 2 * P, P, out _));
        Assert.True(arena.TryFindTopDown([(Bottom + P, Top)], P, P, out var only));
        Assert.Equal(Bottom, only);
    }
}
