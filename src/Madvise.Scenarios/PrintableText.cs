using System.Globalization;
using System.Text;

namespace Madvise.Scenarios;

/// <summary>
/// Text from a file or a command line made safe to echo on a terminal: control characters
/// escaped, length capped.
/// </summary>
/// <remarks>
/// A raw ESC, BEL or C1 control written to a terminal is a command to it (<c>ESC ] 0 ; TITLE
/// BEL</c> retitles the window, other sequences move the cursor or rewrite the screen), and a
/// huge token echoed whole turns one error into megabytes of output. So whatever came from
/// outside is shown through <see cref="Escape"/>: C0 controls, DEL and C1 controls as
/// <c>\xNN</c> (<c>\t</c>, <c>\n</c>, <c>\r</c>, <c>\e</c> by name), the Unicode line
/// separators and bidirectional overrides (which reorder what a reader sees) and lone
/// surrogates as <c>\uNNNN</c>; everything else as it is.
/// </remarks>
public static class PrintableText
{
    /// <summary>The longest text echoed whole in an error message, in characters.</summary>
    public const int MaxEchoed = 64;

    /// <summary>True for a character <see cref="Escape"/> does not show as it is.</summary>
    public static bool NeedsEscape(char c) =>
        c < 0x20 || c is >= '\x7f' and <= '\x9f' || c is '\u2028' or '\u2029' || c is >= '\u202a' and <= '\u202e' ||
        c is >= '\u2066' and <= '\u2069' || char.IsSurrogate(c);

    /// <summary>
    /// <paramref name="text"/> with every character of <see cref="NeedsEscape"/> escaped, cut
    /// after <paramref name="maxLength"/> characters of the original with <c>...(N more characters)</c>.
    /// </summary>
    public static string Escape(string text, int maxLength = MaxEchoed)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfNegative(maxLength);
        var cut = Math.Min(text.Length, maxLength);
        if (cut < text.Length && cut > 0 && char.IsHighSurrogate(text[cut - 1]) && char.IsLowSurrogate(text[cut]))
        {
            cut--;
        }

        var clean = true;
        for (var i = 0; i < cut && clean; i++)
        {
            clean = !NeedsEscape(text[i]) || IsPairedSurrogate(text, i);
        }

        if (clean && cut == text.Length)
        {
            return text;
        }

        var sb = new StringBuilder(cut + 16);
        for (var i = 0; i < cut; i++)
        {
            var c = text[i];
            if (!NeedsEscape(c) || IsPairedSurrogate(text, i))
            {
                sb.Append(c);
                continue;
            }

            _ = c switch
            {
                '\t' => sb.Append("\\t"),
                '\n' => sb.Append("\\n"),
                '\r' => sb.Append("\\r"),
                '\x1b' => sb.Append("\\e"),
                < '\u0100' => sb.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}"),
                _ => sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"),
            };
        }

        if (cut < text.Length)
        {
            sb.Append(CultureInfo.InvariantCulture, $"...({text.Length - cut} more characters)");
        }

        return sb.ToString();
    }

    /// <summary><c>'TEXT'</c> escaped and capped, for error messages.</summary>
    public static string Quote(string text) => "'" + Escape(text) + "'";

    /// <summary>How a character that must not appear in a scenario is named in an error: <c>U+001B</c>.</summary>
    public static string Name(char c) => string.Create(CultureInfo.InvariantCulture, $"U+{(int)c:X4}");

    /// <summary>True when <paramref name="text"/>[<paramref name="i"/>] is half of a well-formed surrogate pair.</summary>
    private static bool IsPairedSurrogate(string text, int i) =>
        (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) ||
        (char.IsLowSurrogate(text[i]) && i > 0 && char.IsHighSurrogate(text[i - 1]));
}
