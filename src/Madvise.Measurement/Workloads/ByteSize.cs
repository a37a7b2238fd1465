using System.Globalization;

namespace Madvise.Measurement.Workloads;

/// <summary>Sizes on the command line and in tables: a count of bytes with an optional binary suffix (<c>4K</c>, <c>256M</c>, <c>1G</c>).</summary>
public static class ByteSize
{
    /// <summary>
    /// Parses <paramref name="text"/>: decimal digits, then optionally K, M, G or T (powers of 1024;
    /// <c>KiB</c>, <c>KB</c> and lower case are accepted too). False for anything else, zero, or overflow.
    /// </summary>
    public static bool TryParse(string? text, out ulong bytes)
    {
        bytes = 0;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var s = text.Trim();
        var digits = 0;
        while (digits < s.Length && char.IsAsciiDigit(s[digits]))
        {
            digits++;
        }

        if (digits == 0 || !ulong.TryParse(s.AsSpan(0, digits), NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            return false;
        }

        var shift = s[digits..].ToUpperInvariant() switch
        {
            "" or "B" => 0,
            "K" or "KB" or "KIB" => 10,
            "M" or "MB" or "MIB" => 20,
            "G" or "GB" or "GIB" => 30,
            "T" or "TB" or "TIB" => 40,
            _ => -1,
        };
        if (shift < 0 || value == 0 || value > (ulong.MaxValue >> shift))
        {
            return false;
        }

        bytes = value << shift;
        return true;
    }

    /// <summary>The shortest exact form: <c>256M</c>, <c>4K</c>, <c>12345</c>.</summary>
    public static string Format(ulong bytes)
    {
        ReadOnlySpan<char> suffixes = ['T', 'G', 'M', 'K'];
        for (var i = 0; i < suffixes.Length; i++)
        {
            var shift = 40 - (10 * i);
            if (bytes != 0 && (bytes & ((1UL << shift) - 1)) == 0)
            {
                return string.Create(CultureInfo.InvariantCulture, $"{bytes >> shift}{suffixes[i]}");
            }
        }

        return bytes.ToString(CultureInfo.InvariantCulture);
    }
}
