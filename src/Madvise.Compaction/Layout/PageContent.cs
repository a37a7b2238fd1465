namespace Madvise.Compaction.Layout;

/// <summary>
/// What touched pages hold: half a page of pseudo-random bytes and half zeros, different from page
/// to page. Pages filled with one byte value would flatter zram (it stores same-filled pages
/// without compressing them); this compresses about 2:1, like a typical heap.
/// </summary>
internal static class PageContent
{
    /// <summary>Random bytes pages take their halves from.</summary>
    private static readonly byte[] Noise = CreateNoise();

    /// <summary>Writes page <paramref name="pageIndex"/>'s content into <paramref name="page"/> (4 KiB).</summary>
    public static void Fill(Span<byte> page, ulong pageIndex)
    {
        var half = page.Length / 2;
        var offset = (int)((pageIndex * 977) % (ulong)(Noise.Length - half));
        Noise.AsSpan(offset, half).CopyTo(page);
        page[half..].Clear();
    }

    private static byte[] CreateNoise()
    {
        var noise = new byte[64 << 10];
        new Random(12345).NextBytes(noise);
        return noise;
    }
}
