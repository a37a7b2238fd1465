using System.Globalization;

namespace Madvise.Cli.Compact;

/// <summary>Durations on the command line (<c>1ms</c>, <c>500us</c>, <c>2.5s</c>) and in reports (<c>312.4 µs</c>).</summary>
internal static class DurationText
{
    /// <summary>
    /// Parses a number (decimals allowed) and a unit: <c>ns</c>, <c>us</c> or <c>µs</c>, <c>ms</c>, <c>s</c>,
    /// <c>m</c>. False for anything else, a missing unit, less than 100 ns (the resolution of a
    /// <see cref="TimeSpan"/>: a shorter one would silently become 100 ns), or more than a day.
    /// </summary>
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var s = text.Trim();
        var end = 0;
        while (end < s.Length && (char.IsAsciiDigit(s[end]) || s[end] == '.'))
        {
            end++;
        }

        if (end == 0 || !double.TryParse(s.AsSpan(0, end), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
        {
            return false;
        }

        var nanoseconds = s[end..].Trim().ToLowerInvariant() switch
        {
            "ns" => value,
            "us" or "µs" => value * 1e3,
            "ms" => value * 1e6,
            "s" => value * 1e9,
            "m" or "min" => value * 60e9,
            _ => double.NaN,
        };
        if (!(nanoseconds >= 100 && nanoseconds <= 86400e9))
        {
            return false;
        }

        duration = TimeSpan.FromTicks(Math.Max(1, (long)Math.Round(nanoseconds / 100)));
        return true;
    }

    /// <summary>Nanoseconds in the unit that reads best: <c>850 ns</c>, <c>312.4 µs</c>, <c>12.50 ms</c>, <c>3.21 s</c>.</summary>
    public static string Format(double nanoseconds) => nanoseconds switch
    {
        < 1e3 => string.Create(CultureInfo.InvariantCulture, $"{nanoseconds:0} ns"),
        < 1e6 => string.Create(CultureInfo.InvariantCulture, $"{nanoseconds / 1e3:0.0} µs"),
        < 1e9 => string.Create(CultureInfo.InvariantCulture, $"{nanoseconds / 1e6:0.00} ms"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{nanoseconds / 1e9:0.00} s"),
    };
}
