using Madvise.Abi;

namespace Madvise.Scenarios;

/// <summary>
/// An integer literal of the scenario language: <c>-?(0x[0-9a-f]+|[0-9]+)</c>, kept as a
/// sign and a magnitude so that both wrapping (sizes, addresses) and range-checked
/// (BYTE, UID) uses can be served from one parse.
/// </summary>
/// <param name="Magnitude">The absolute value modulo 2^64.</param>
/// <param name="Negative">True when written with a leading <c>-</c>.</param>
/// <param name="Overflow">True when the absolute value does not fit in 64 bits.</param>
internal readonly record struct ScenarioNumber(ulong Magnitude, bool Negative, bool Overflow)
{
    /// <summary>The value modulo 2^64 (a negative number wraps: <c>-1</c> is 2^64-1).</summary>
    public ulong Wrapped => Negative ? unchecked(0UL - Magnitude) : Magnitude;

    /// <summary>True when the exact value lies in [0, <paramref name="max"/>].</summary>
    public bool IsInRange(ulong max) => !Overflow && (!Negative || Magnitude == 0) && Magnitude <= max;

    /// <summary>Parses a whole string as a number; false when it is not one.</summary>
    /// <remarks>
    /// A decimal number with a leading zero (<c>010</c>) is refused: C would read it as
    /// octal and Python's <c>int(x, 0)</c> throws on it, so no reading is safe.
    /// </remarks>
    public static bool TryParse(ReadOnlySpan<char> text, out ScenarioNumber number)
    {
        number = default;
        var negative = false;
        if (text.StartsWith("-"))
        {
            negative = true;
            text = text[1..];
        }

        var hex = text.Length > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
        if (hex)
        {
            text = text[2..];
        }

        if (text.IsEmpty)
        {
            return false;
        }

        if (!hex && text.Length > 1 && text[0] == '0' && text.ContainsAnyExcept('0'))
        {
            return false;
        }

        ulong value = 0;
        var overflow = false;
        var radix = hex ? 16UL : 10UL;
        foreach (var c in text)
        {
            var digit = DigitValue(c, hex);
            if (digit < 0)
            {
                return false;
            }

            var next = unchecked((value * radix) + (ulong)digit);
            if (value > (ulong.MaxValue - (ulong)digit) / radix)
            {
                overflow = true;
            }

            value = next;
        }

        number = new ScenarioNumber(value, negative, overflow);
        return true;
    }

    /// <summary>
    /// Parses a size: a number with an optional unit <c>p</c> (4096-byte pages), <c>K</c>,
    /// <c>M</c> or <c>G</c> (any case); the result wraps modulo 2^64.
    /// </summary>
    public static bool TryParseSize(ReadOnlySpan<char> text, out ulong size)
    {
        size = 0;
        ulong unit = 1;
        if (!text.IsEmpty)
        {
            var u = char.ToLowerInvariant(text[^1]) switch
            {
                'p' => PageSize.PAGE_SIZE,
                'k' => 1UL << 10,
                'm' => 1UL << 20,
                'g' => 1UL << 30,
                _ => 0UL,
            };
            if (u != 0)
            {
                unit = u;
                text = text[..^1];
            }
        }

        if (!TryParse(text, out var number))
        {
            return false;
        }

        size = unchecked(number.Wrapped * unit);
        return true;
    }

    private static int DigitValue(char c, bool hex) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' when hex => c - 'a' + 10,
        >= 'A' and <= 'F' when hex => c - 'A' + 10,
        _ => -1,
    };
}
