namespace Madvise.Host;

/// <summary>One line of /proc/PID/maps, plus the VmFlags mnemonics when read from smaps.</summary>
/// <param name="Start">First address.</param>
/// <param name="End">First address after the mapping.</param>
/// <param name="Perms">Permission column, e.g. <c>rw-p</c>.</param>
/// <param name="Offset">File offset of <paramref name="Start"/>.</param>
/// <param name="Inode">Inode of the mapped file; 0 for anonymous memory.</param>
/// <param name="Path">Path or pseudo-name (<c>[heap]</c>, <c>[stack]</c>); empty for anonymous memory.</param>
/// <param name="VmFlags">The smaps <c>VmFlags</c> mnemonics in file order (empty when read from maps).</param>
public sealed record ProcMapping(ulong Start, ulong End, string Perms, ulong Offset, ulong Inode, string Path, IReadOnlyList<string> VmFlags)
{
    /// <summary>No sizes: a mapping read from maps.</summary>
    private static readonly IReadOnlyDictionary<string, long> NoSizes = new Dictionary<string, long>();

    /// <summary>
    /// The smaps size fields (<c>Rss</c>, <c>Anonymous</c>, <c>LazyFree</c>, <c>Swap</c>,
    /// <c>Locked</c>, ...) in kB, by name; empty when read from maps.
    /// </summary>
    public IReadOnlyDictionary<string, long> Sizes { get; init; } = NoSizes;

    /// <summary>The smaps size field <paramref name="name"/> in kB, 0 when absent.</summary>
    public long Size(string name) => Sizes.TryGetValue(name, out var kib) ? kib : 0;

    /// <summary>True when [<paramref name="start"/>, <paramref name="end"/>) overlaps this mapping (<paramref name="end"/> 0 means 2^64).</summary>
    public bool Overlaps(ulong start, ulong end) => End > start && (end == 0 || Start < end);
}
