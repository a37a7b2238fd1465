using Madvise.Replay.Model;

namespace Madvise.Replay.Strace;

/// <summary>What the parser saw: lines, events, the log's format, and every line it could not use (counted by reason, the first few kept as examples).</summary>
public sealed class ParseStatistics
{
    /// <summary>How many unusable lines are kept as examples.</summary>
    public const int MaxExamples = 20;

    private readonly long[] _problems = new long[Enum.GetValues<LineProblem>().Length];

    private readonly List<UnusableLine> _examples = [];

    /// <summary>Lines read, including blank and unusable ones.</summary>
    public long Lines { get; internal set; }

    /// <summary>Bytes read.</summary>
    public long Bytes { get; internal set; }

    /// <summary>Calls seen (a split call counts once).</summary>
    public long Calls { get; internal set; }

    /// <summary>Calls split into an unfinished and a resumed line.</summary>
    public long SplitCalls { get; internal set; }

    /// <summary>Calls with no result at the end of the log (in flight, detached).</summary>
    public long InFlight { get; internal set; }

    /// <summary>Signal lines.</summary>
    public long Signals { get; internal set; }

    /// <summary><c>+++</c> lines.</summary>
    public long ExitLines { get; internal set; }

    /// <summary>Lines that carried a pid column.</summary>
    public long LinesWithPid { get; internal set; }

    /// <summary>The timestamps the log carries.</summary>
    public TimestampFormat Timestamps { get; internal set; }

    /// <summary>True when calls carry <c>-T</c> durations.</summary>
    public bool Durations { get; internal set; }

    /// <summary>True when the last line had no newline.</summary>
    public bool EndsMidLine { get; internal set; }

    /// <summary>Lines not used, all reasons together.</summary>
    public long Unusable { get; private set; }

    /// <summary>Unusable lines of one reason.</summary>
    public long Count(LineProblem problem) => _problems[(int)problem];

    /// <summary>The first <see cref="MaxExamples"/> unusable lines.</summary>
    public IReadOnlyList<UnusableLine> Examples => _examples;

    internal void AddUnusable(LineProblem problem, long line, ReadOnlySpan<byte> text)
    {
        _problems[(int)problem]++;
        Unusable++;
        if (_examples.Count < MaxExamples)
        {
            _examples.Add(new UnusableLine(line, problem, Printable(text, 160)));
        }
    }

    /// <summary>At most <paramref name="max"/> bytes of <paramref name="text"/> with control and non-ASCII bytes shown as <c>\xNN</c>.</summary>
    internal static string Printable(ReadOnlySpan<byte> text, int max)
    {
        var sb = new System.Text.StringBuilder(Math.Min(text.Length, max) + 8);
        foreach (var b in text[..Math.Min(text.Length, max)])
        {
            if (b is >= 0x20 and < 0x7f)
            {
                sb.Append((char)b);
            }
            else
            {
                sb.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\x{b:x2}");
            }
        }

        if (text.Length > max)
        {
            sb.Append('…');
        }

        return sb.ToString();
    }
}

/// <summary>A line the parser could not use.</summary>
/// <param name="Line">1-based line number.</param>
/// <param name="Problem">Why.</param>
/// <param name="Text">Its beginning, printable.</param>
public sealed record UnusableLine(long Line, LineProblem Problem, string Text);
