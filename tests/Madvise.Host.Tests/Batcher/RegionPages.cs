using Madvise.Abi;

namespace Madvise.Host.Tests.Batcher;

/// <summary>Test regions whose pages carry a recognisable pattern, and checks of what advice did to them.</summary>
internal static class RegionPages
{
    /// <summary>Bytes in a page.</summary>
    public const int P = (int)PageSize.PAGE_SIZE;

    /// <summary>
    /// A private anonymous read-write region of <paramref name="pages"/> pages, kept out of
    /// transparent huge pages so every page is its own 4 KiB unit whatever the THP mode.
    /// </summary>
    public static MappedRegion Create(int pages)
    {
        var region = MappedRegion.Allocate((nuint)(pages * P));
        region.Advise(region.Address, region.Length, MemoryAdvice.MADV_NOHUGEPAGE);
        return region;
    }

    /// <summary>The byte every byte of page <paramref name="page"/> holds after <see cref="Fill"/> (never 0).</summary>
    public static byte Pattern(int page) => (byte)((page % 251) + 1);

    /// <summary>Writes <see cref="Pattern"/> into every page, which also makes every page resident.</summary>
    public static void Fill(MappedRegion region)
    {
        for (var page = 0; page < Pages(region); page++)
        {
            region.GetSpan((nuint)(page * P), P).Fill(Pattern(page));
        }
    }

    /// <summary>Pages in the region.</summary>
    public static int Pages(MappedRegion region) => (int)(region.Length / (nuint)P);

    /// <summary>The address of page <paramref name="page"/>.</summary>
    public static nint At(MappedRegion region, int page) => region.Address + (page * P);

    /// <summary>The index of the page <paramref name="address"/> lies in.</summary>
    public static int PageOf(MappedRegion region, ulong address) => (int)((address - (ulong)region.Address) / (ulong)P);

    /// <summary>mincore residency, one flag per page.</summary>
    public static bool[] Resident(MappedRegion region)
    {
        var vec = new byte[Pages(region)];
        HostMemory.Mincore(region.Address, region.Length, vec);
        return Array.ConvertAll(vec, b => (b & 1) != 0);
    }

    /// <summary>
    /// Asserts that exactly the pages flagged in <paramref name="dropped"/> were dropped: mincore
    /// reports them absent and they read back zero, while every other page is resident and keeps
    /// its pattern. Residency is read first, because reading a dropped page maps the zero page.
    /// </summary>
    public static void AssertDropped(MappedRegion region, bool[] dropped)
    {
        var resident = Resident(region);
        for (var page = 0; page < dropped.Length; page++)
        {
            Assert.True(resident[page] != dropped[page], $"page {page}: mincore says resident={resident[page]}, expected dropped={dropped[page]}");
            var expected = dropped[page] ? (byte)0 : Pattern(page);
            var bytes = region.GetSpan((nuint)(page * P), P);
            var odd = bytes.IndexOfAnyExcept(expected);
            Assert.True(odd < 0, odd < 0 ? null : $"page {page}: expected every byte 0x{expected:x2}, found 0x{bytes[odd]:x2} at {odd}");
        }
    }

    /// <summary>Flags for <paramref name="pages"/> pages, set for the listed ones.</summary>
    public static bool[] Flags(int pages, params int[] set)
    {
        var flags = new bool[pages];
        foreach (var page in set)
        {
            flags[page] = true;
        }

        return flags;
    }
}
