using System.Globalization;
using System.Text;

namespace Madvise.Scenarios;

/// <summary>
/// Accumulates bytes read by a <c>read</c> step as the canonical run-length string
/// <c>ab*4096,00*8192</c>, without keeping the bytes themselves.
/// </summary>
public sealed class ByteRuns
{
    private readonly List<(byte Value, ulong Count)> _runs = [];

    /// <summary>Appends bytes in order.</summary>
    public void Append(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            var value = bytes[0];
            var n = bytes.IndexOfAnyExcept(value);
            if (n < 0)
            {
                n = bytes.Length;
            }

            AppendRun(value, (ulong)n);
            bytes = bytes[n..];
        }
    }

    /// <summary>Appends <paramref name="count"/> copies of <paramref name="value"/>.</summary>
    public void AppendRun(byte value, ulong count)
    {
        if (count == 0)
        {
            return;
        }

        if (_runs.Count > 0 && _runs[^1].Value == value)
        {
            _runs[^1] = (value, _runs[^1].Count + count);
        }
        else
        {
            _runs.Add((value, count));
        }
    }

    /// <summary>Total bytes appended.</summary>
    public ulong Length
    {
        get
        {
            ulong n = 0;
            foreach (var (_, c) in _runs)
            {
                n += c;
            }

            return n;
        }
    }

    /// <summary>The canonical form; empty for zero bytes.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        foreach (var (value, count) in _runs)
        {
            if (sb.Length > 0)
            {
                sb.Append(',');
            }

            sb.Append(value.ToString("x2", CultureInfo.InvariantCulture)).Append('*').Append(count.ToString(CultureInfo.InvariantCulture));
        }

        return sb.ToString();
    }
}
