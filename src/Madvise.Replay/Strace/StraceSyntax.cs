using System.Runtime.CompilerServices;
using System.Buffers.Text;

namespace Madvise.Replay.Strace;

/// <summary>
/// The pieces of strace's argument syntax: numbers as strace prints them (<c>NULL</c>,
/// <c>0x7f…</c>, decimal, <c>-1</c>), flag sets (<c>PROT_READ|PROT_WRITE</c>, <c>|0x40</c>,
/// <c>21&lt;&lt;MAP_HUGE_SHIFT</c>, <c>0x66 /* MADV_??? */</c>, <c>-X verbose</c>'s
/// <c>0x3 /* PROT_READ|PROT_WRITE */</c>) and top-level argument lists. All on ASCII bytes, no allocation.
/// </summary>
internal static class StraceSyntax
{
    /// <summary>mmap flags bits 26-31 hold log2 of a hugetlb page size (include/uapi/asm-generic/hugetlb_encode.h).</summary>
    public const int MAP_HUGE_SHIFT = 26;

    /// <summary>Removes ASCII spaces and tabs at both ends.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> s)
    {
        var start = 0;
        while (start < s.Length && (s[start] == ' ' || s[start] == '\t'))
        {
            start++;
        }

        var end = s.Length;
        while (end > start && (s[end - 1] == ' ' || s[end - 1] == '\t'))
        {
            end--;
        }

        return s[start..end];
    }

    /// <summary>
    /// A number as strace prints addresses, lengths, offsets and descriptors: <c>NULL</c>, hex with
    /// <c>0x</c>, decimal, or a negative decimal (its two's complement). A trailing comment
    /// (<c>0x66 /* MADV_??? */</c>) and a <c>-y</c> path (<c>3&lt;/etc/ld.so.cache&gt;</c>) are ignored.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryParseNumber(ReadOnlySpan<byte> s, out ulong value)
    {
        s = StripDecoration(Trim(s));
        value = 0;
        if (s.IsEmpty)
        {
            return false;
        }

        if (s.SequenceEqual("NULL"u8))
        {
            return true;
        }

        var negative = false;
        if (s[0] == '-')
        {
            negative = true;
            s = s[1..];
        }

        bool ok;
        int consumed;
        if (s.Length > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        {
            ok = Utf8Parser.TryParse(s[2..], out value, out consumed, 'x');
            consumed += 2;
        }
        else
        {
            ok = Utf8Parser.TryParse(s, out value, out consumed);
        }

        if (!ok || consumed != s.Length)
        {
            return false;
        }

        if (negative)
        {
            value = unchecked(0 - value);
        }

        return true;
    }

    /// <summary>A <c>-y</c> path after a descriptor (<c>3&lt;/usr/lib/libc.so.6&gt;</c>, <c>8&lt;/memfd:x&gt;(deleted)</c>), or empty.</summary>
    public static ReadOnlySpan<byte> FdPath(ReadOnlySpan<byte> s)
    {
        s = Trim(s);
        var open = s.IndexOf((byte)'<');
        if (open <= 0)
        {
            return default;
        }

        var close = s.LastIndexOf((byte)'>');
        return close > open ? s[(open + 1)..close] : default;
    }

    /// <summary>
    /// A flag set: names from <paramref name="names"/>, numbers, <c>N&lt;&lt;MAP_HUGE_SHIFT</c>,
    /// joined by <c>|</c>, optionally followed by a comment. With <paramref name="lenient"/>
    /// names the table does not hold (a signal in clone's flags, <c>SIGCHLD</c>) are skipped.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryParseFlags(ReadOnlySpan<byte> s, ConstantNames names, bool lenient, out ulong value)
    {
        s = Trim(s);
        value = 0;

        // -X verbose: "0x3 /* PROT_READ|PROT_WRITE */": the number is the value.
        var comment = s.IndexOf("/*"u8);
        if (comment >= 0)
        {
            s = Trim(s[..comment]);
        }

        if (s.IsEmpty)
        {
            return false;
        }

        while (true)
        {
            var bar = s.IndexOf((byte)'|');
            var token = Trim(bar < 0 ? s : s[..bar]);
            if (!TryParseFlag(token, names, lenient, out var bits))
            {
                return false;
            }

            value |= bits;
            if (bar < 0)
            {
                return true;
            }

            s = s[(bar + 1)..];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool TryParseFlag(ReadOnlySpan<byte> token, ConstantNames names, bool lenient, out ulong bits)
    {
        bits = 0;
        if (token.IsEmpty)
        {
            return false;
        }

        if (token[0] is >= (byte)'0' and <= (byte)'9')
        {
            var shift = token.IndexOf("<<"u8);
            if (shift > 0)
            {
                // "21<<MAP_HUGE_SHIFT": the MAP_HUGE field.
                if (!TryParseNumber(token[..shift], out var n) || n > 63 || !token[(shift + 2)..].SequenceEqual("MAP_HUGE_SHIFT"u8))
                {
                    return false;
                }

                bits = n << MAP_HUGE_SHIFT;
                return true;
            }

            return TryParseNumber(token, out bits);
        }

        if (names.TryGet(token, out bits))
        {
            return true;
        }

        return lenient && IsIdentifier(token);
    }

    /// <summary>True when <paramref name="s"/> is a C identifier.</summary>
    public static bool IsIdentifier(ReadOnlySpan<byte> s)
    {
        if (s.IsEmpty || s[0] is >= (byte)'0' and <= (byte)'9')
        {
            return false;
        }

        foreach (var c in s)
        {
            if (!(c is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9' or (byte)'_'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Splits an argument list at its top-level commas (outside <c>[]</c>, <c>{}</c>, <c>()</c>,
    /// strings and comments) into at most <paramref name="parts"/>.Length ranges, trimmed.
    /// </summary>
    /// <returns>The number of arguments (may exceed the ranges filled); -1 when brackets or quotes do not balance.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int SplitArguments(ReadOnlySpan<byte> s, Span<Range> parts)
    {
        if (Trim(s).IsEmpty)
        {
            return 0;
        }

        var count = 0;
        var depth = 0;
        var start = 0;
        for (var i = 0; i < s.Length; i++)
        {
            switch (s[i])
            {
                case (byte)'"':
                    i = SkipString(s, i);
                    if (i < 0)
                    {
                        return -1;
                    }

                    break;
                case (byte)'/' when i + 1 < s.Length && s[i + 1] == '*':
                    var end = s[(i + 2)..].IndexOf("*/"u8);
                    if (end < 0)
                    {
                        return -1;
                    }

                    i += end + 3;
                    break;
                case (byte)'[' or (byte)'{' or (byte)'(':
                    depth++;
                    break;
                case (byte)']' or (byte)'}' or (byte)')':
                    if (--depth < 0)
                    {
                        return -1;
                    }

                    break;
                case (byte)',' when depth == 0:
                    Add(s, parts, ref count, start, i);
                    start = i + 1;
                    break;
            }
        }

        if (depth != 0)
        {
            return -1;
        }

        Add(s, parts, ref count, start, s.Length);
        return count;
    }

    private static void Add(ReadOnlySpan<byte> s, Span<Range> parts, ref int count, int start, int end)
    {
        if (count < parts.Length)
        {
            while (start < end && s[start] == ' ')
            {
                start++;
            }

            while (end > start && s[end - 1] == ' ')
            {
                end--;
            }

            parts[count] = new Range(start, end);
        }

        count++;
    }

    /// <summary>Index of the closing quote of the string starting at <paramref name="open"/>, or -1.</summary>
    private static int SkipString(ReadOnlySpan<byte> s, int open)
    {
        for (var i = open + 1; i < s.Length; i++)
        {
            if (s[i] == '\\')
            {
                i++;
            }
            else if (s[i] == '"')
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Cuts a trailing comment and a <c>-y</c> path off a number.</summary>
    private static ReadOnlySpan<byte> StripDecoration(ReadOnlySpan<byte> s)
    {
        var cut = s.IndexOfAny((byte)'<', (byte)'/', (byte)' ');
        return cut > 0 ? s[..cut] : s;
    }

    /// <summary>Parses <c>seconds.fraction</c> into microseconds (any number of decimals).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryParseSeconds(ReadOnlySpan<byte> s, out long micros)
    {
        micros = 0;
        var dot = s.IndexOf((byte)'.');
        var whole = dot < 0 ? s : s[..dot];
        if (whole.IsEmpty || !Utf8Parser.TryParse(whole, out long seconds, out var used) || used != whole.Length || seconds < 0 || seconds > long.MaxValue / 1_000_000 - 1)
        {
            return false;
        }

        long fraction = 0;
        if (dot >= 0)
        {
            var digits = s[(dot + 1)..];
            if (digits.IsEmpty || digits.ContainsAnyExceptInRange((byte)'0', (byte)'9'))
            {
                return false;
            }

            for (var i = 0; i < 6; i++)
            {
                fraction = (fraction * 10) + (i < digits.Length ? digits[i] - '0' : 0);
            }
        }

        micros = (seconds * 1_000_000) + fraction;
        return true;
    }
}
