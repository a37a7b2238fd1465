using System.Globalization;
using Madvise.Abi;
using Madvise.Kernel.Mm.Vmas;

namespace Madvise.Kernel.Tests.Mm;

/// <summary>A minimal VMA stand-in: an address range whose bounds tests may move.</summary>
internal sealed class TestRange : IAddressRange
{
    /// <summary>Creates [<paramref name="start"/>, <paramref name="end"/>) in bytes.</summary>
    public TestRange(ulong start, ulong end)
    {
        Start = start;
        End = end;
    }

    /// <summary>The first address; tests change it only to break the tree's invariants on purpose.</summary>
    public ulong Start { get; set; }

    /// <summary>The first address after the range; may change in place while the range stays disjoint.</summary>
    public ulong End { get; set; }

    /// <summary>Creates [<paramref name="first"/>, <paramref name="first"/> + <paramref name="count"/>) in pages.</summary>
    public static TestRange Pages(ulong first, ulong count) =>
        new(first * PageSize.PAGE_SIZE, (first + count) * PageSize.PAGE_SIZE);

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"[0x{Start:x}, 0x{End:x})");
}
