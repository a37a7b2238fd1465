namespace Madvise.Compaction.Layout;

/// <summary>
/// A realistic address space to compact, generated from a seed: hundreds of mappings of every kind
/// (<see cref="MappingKind"/>), most small, a few large, some only partly touched, PROT_NONE guards
/// and one large reservation. The same layout is built in a real process and in a simulated task.
/// </summary>
public sealed class TargetLayout
{
    /// <summary>Bytes per page.</summary>
    private const ulong Page = PageSize.PAGE_SIZE;

    private TargetLayout(IReadOnlyList<MappingSpec> mappings, ulong fileBytes)
    {
        Mappings = mappings;
        FileBytes = fileBytes;
        foreach (var m in mappings)
        {
            TouchedBytes += m.TouchedBytes;
            MappedBytes += m.Bytes;
        }
    }

    /// <summary>The mappings in the order they are placed (ascending addresses, a hole between neighbours).</summary>
    public IReadOnlyList<MappingSpec> Mappings { get; }

    /// <summary>Size of the backing file the file mappings share.</summary>
    public ulong FileBytes { get; }

    /// <summary>Bytes touched when the layout is built (its resident memory).</summary>
    public ulong TouchedBytes { get; }

    /// <summary>Bytes mapped, reservations included.</summary>
    public ulong MappedBytes { get; }

    /// <summary>Bytes of address space the layout spans: every mapping plus a one-page hole after each.</summary>
    public ulong SpanBytes => MappedBytes + ((ulong)Mappings.Count * Page);

    /// <summary>
    /// Generates a layout of about <paramref name="vmas"/> mappings touching about
    /// <paramref name="touchedBytes"/> bytes: small anonymous mappings (16–256 KiB, a quarter of
    /// them only partly written), medium ones (1–8 MiB), three large ones holding what is left
    /// of the bytes, read-only and writable file mappings, shared anonymous memory, PROT_NONE
    /// guards (64 KiB–16 MiB), one 1 GiB reservation, one small locked mapping.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Fewer than 16 mappings, or less than 16 MiB.</exception>
    public static TargetLayout Generate(ulong touchedBytes, int vmas, int seed)
    {
        if (vmas is < 16 or > 60_000)
        {
            throw new ArgumentOutOfRangeException(nameof(vmas), vmas, "A layout has 16 to 60,000 mappings.");
        }

        if (touchedBytes < (16UL << 20) || touchedBytes > (1UL << 40))
        {
            throw new ArgumentOutOfRangeException(nameof(touchedBytes), touchedBytes, "A layout touches 16 MiB to 1 TiB.");
        }

        var random = new Random(seed);
        var specs = new List<MappingSpec>(vmas);
        ulong fileOffset = 0;
        ulong touched = 0;
        var smallBudget = touchedBytes * 2 / 5;

        // Everything but the three large mappings, the reservation and the locked one.
        var others = vmas - 5;
        for (var i = 0; i < others; i++)
        {
            var roll = random.NextDouble();
            MappingSpec spec;
            if (roll < 0.56)
            {
                var bytes = Pages(random, 4, 64);
                spec = new MappingSpec(MappingKind.Anon, bytes, random.NextDouble() < 0.25 ? Math.Max(Page, bytes / 4 & PageSize.PAGE_MASK) : bytes, 0);
            }
            else if (roll < 0.64)
            {
                var bytes = Pages(random, 256, 2048);
                spec = new MappingSpec(MappingKind.Anon, bytes, bytes, 0);
            }
            else if (roll < 0.79)
            {
                var bytes = Pages(random, 4, 512);
                spec = new MappingSpec(MappingKind.FileReadOnly, bytes, bytes, fileOffset);
                fileOffset += bytes;
            }
            else if (roll < 0.84)
            {
                var bytes = Pages(random, 4, 64);
                spec = new MappingSpec(MappingKind.FileWritable, bytes, Math.Max(Page, bytes / 2 & PageSize.PAGE_MASK), fileOffset);
                fileOffset += bytes;
            }
            else if (roll < 0.89)
            {
                var bytes = Pages(random, 16, 256);
                spec = new MappingSpec(MappingKind.SharedAnon, bytes, bytes, 0);
            }
            else
            {
                spec = new MappingSpec(MappingKind.Reserved, Pages(random, 16, 4096), 0, 0);
            }

            if (spec.Kind != MappingKind.Reserved && touched + spec.TouchedBytes > smallBudget)
            {
                // Keep the count, shrink the mapping: the large ones hold the rest.
                var bytes = Page * 4;
                spec = spec with { Bytes = bytes, TouchedBytes = Math.Min(spec.TouchedBytes, bytes) };
                if (spec.Kind is MappingKind.FileReadOnly or MappingKind.FileWritable)
                {
                    spec = spec with { FileOffset = fileOffset };
                    fileOffset += bytes;
                }
            }

            touched += spec.TouchedBytes;
            specs.Add(spec);
        }

        var rest = touchedBytes > touched ? touchedBytes - touched : 0;
        var large = Math.Max(Page, rest / 3 & PageSize.PAGE_MASK);
        for (var i = 0; i < 3; i++)
        {
            specs.Insert(random.Next(specs.Count + 1), new MappingSpec(MappingKind.Anon, large, large, 0));
        }

        specs.Insert(random.Next(specs.Count + 1), new MappingSpec(MappingKind.Reserved, 1UL << 30, 0, 0));
        specs.Insert(random.Next(specs.Count + 1), new MappingSpec(MappingKind.Locked, 16 * Page, 16 * Page, 0));
        return new TargetLayout(specs, Math.Max(fileOffset, Page));
    }

    /// <summary>A uniformly random number of pages in [<paramref name="min"/>, <paramref name="max"/>], in bytes.</summary>
    private static ulong Pages(Random random, int min, int max) => (ulong)random.Next(min, max + 1) * Page;
}
