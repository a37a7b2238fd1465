using System.Globalization;

namespace Madvise.Host;

/// <summary>Parser of /proc/PID/maps and /proc/PID/smaps.</summary>
/// <remarks>
/// A maps line is <c>START-END PERMS OFFSET DEV INODE [PATH]</c> with hexadecimal addresses;
/// smaps follows each such line with <c>Key: value</c> lines, one of which is
/// <c>VmFlags: rd wr mr ...</c>. The kernel generates the text afresh on every read, so each
/// call sees the address space as it is at that moment.
/// </remarks>
public static class ProcMaps
{
    /// <summary>Reads /proc/self/maps (or /proc/<paramref name="pid"/>/maps).</summary>
    public static List<ProcMapping> ReadMaps(int? pid = null) => [.. EnumerateMaps(pid)];

    /// <summary>Reads /proc/self/smaps (or /proc/<paramref name="pid"/>/smaps), with VmFlags.</summary>
    public static List<ProcMapping> ReadSmaps(int? pid = null) => [.. EnumerateSmaps(pid)];

    /// <summary>
    /// The mappings of /proc/self/maps (or of <paramref name="pid"/>) in address order, read as
    /// they are enumerated: a caller that stops early spares the kernel generating the rest.
    /// </summary>
    public static IEnumerable<ProcMapping> EnumerateMaps(int? pid = null) => Enumerate(Source(pid, "maps"), smaps: false);

    /// <summary>
    /// The mappings of /proc/self/smaps (or of <paramref name="pid"/>) with VmFlags, read as they
    /// are enumerated. smaps is costly (the kernel walks each mapping's page tables for its
    /// counters), so stop as soon as the mappings of interest are past.
    /// </summary>
    public static IEnumerable<ProcMapping> EnumerateSmaps(int? pid = null) => Enumerate(Source(pid, "smaps"), smaps: true);

    /// <summary>Parses maps or smaps text.</summary>
    /// <exception cref="FormatException">A mapping line is malformed.</exception>
    public static List<ProcMapping> Parse(TextReader reader, bool smaps) => [.. Enumerate(reader, smaps)];

    /// <summary>Parses maps or smaps text lazily, one mapping at a time.</summary>
    /// <exception cref="FormatException">A mapping line is malformed.</exception>
    public static IEnumerable<ProcMapping> Enumerate(TextReader reader, bool smaps)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ProcMapping? pending = null;
        Dictionary<string, long>? sizes = null;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            if (line.Length == 0)
            {
                continue;
            }

            if (smaps && !IsMappingLine(line))
            {
                // VmFlags closes an smaps entry.
                if (pending is not null && line.StartsWith("VmFlags:", StringComparison.Ordinal))
                {
                    yield return WithSizes(pending, sizes) with { VmFlags = line[8..].Split(' ', StringSplitOptions.RemoveEmptyEntries) };
                    pending = null;
                    sizes = null;
                }
                else if (pending is not null && TryParseSize(line, out var name, out var kib))
                {
                    (sizes ??= new Dictionary<string, long>(StringComparer.Ordinal))[name] = kib;
                }

                continue;
            }

            if (pending is not null)
            {
                yield return WithSizes(pending, sizes);
                sizes = null;
            }

            pending = ParseMappingLine(line);
            if (!smaps)
            {
                yield return pending;
                pending = null;
            }
        }

        if (pending is not null)
        {
            yield return WithSizes(pending, sizes);
        }
    }

    private static ProcMapping WithSizes(ProcMapping mapping, Dictionary<string, long>? sizes) =>
        sizes is null ? mapping : mapping with { Sizes = sizes };

    /// <summary>An smaps size line, <c>Name:   123 kB</c>.</summary>
    private static bool TryParseSize(string line, out string name, out long kib)
    {
        name = "";
        kib = 0;
        var colon = line.IndexOf(':', StringComparison.Ordinal);
        var value = colon < 0 ? default : line.AsSpan(colon + 1).Trim();
        if (colon <= 0 || !value.EndsWith(" kB", StringComparison.Ordinal) ||
            !long.TryParse(value[..^3].TrimEnd(), NumberStyles.None, CultureInfo.InvariantCulture, out kib))
        {
            return false;
        }

        name = line[..colon];
        return true;
    }

    /// <summary>Parses one maps line.</summary>
    /// <exception cref="FormatException">The line is malformed.</exception>
    public static ProcMapping ParseMappingLine(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var span = line.AsSpan();
        var start = HexField(ref span, '-', line);
        var end = HexField(ref span, ' ', line);
        var perms = Field(ref span, line).ToString();
        var offset = ulong.Parse(Field(ref span, line), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
        Field(ref span, line); // device
        var inode = ulong.Parse(Field(ref span, line), NumberStyles.None, CultureInfo.InvariantCulture);
        var path = span.Trim().ToString();
        return new ProcMapping(start, end, perms, offset, inode, path, []);
    }

    /// <summary>A mapping line starts with <c>hex-hex </c>; a smaps key line starts with a letter and a colon.</summary>
    private static bool IsMappingLine(string line)
    {
        var dash = line.IndexOf('-', StringComparison.Ordinal);
        var colon = line.IndexOf(':', StringComparison.Ordinal);
        return dash > 0 && (colon < 0 || dash < colon) && Uri.IsHexDigit(line[0]);
    }

    private static ulong HexField(ref ReadOnlySpan<char> span, char terminator, string line)
    {
        var i = span.IndexOf(terminator);
        if (i <= 0 || !ulong.TryParse(span[..i], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value))
        {
            throw new FormatException($"Malformed maps line: '{line}'.");
        }

        span = span[(i + 1)..];
        return value;
    }

    private static ReadOnlySpan<char> Field(ref ReadOnlySpan<char> span, string line)
    {
        span = span.TrimStart(' ');
        var i = span.IndexOf(' ');
        var field = i < 0 ? span : span[..i];
        if (field.IsEmpty)
        {
            throw new FormatException($"Malformed maps line: '{line}'.");
        }

        span = i < 0 ? [] : span[(i + 1)..];
        return field;
    }

    private static string Source(int? pid, string file) =>
        pid is null ? "/proc/self/" + file : string.Create(CultureInfo.InvariantCulture, $"/proc/{pid.Value}/{file}");

    private static IEnumerable<ProcMapping> Enumerate(string path, bool smaps)
    {
        // Small buffers: the kernel generates only as much text as each read asks for.
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
        using var reader = new StreamReader(stream, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 4096);
        foreach (var m in Enumerate(reader, smaps))
        {
            yield return m;
        }
    }
}
