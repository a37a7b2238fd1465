using System.Runtime.CompilerServices;
using System.Buffers.Text;
using Madvise.Replay.Model;

namespace Madvise.Replay.Strace;

/// <summary>
/// Turns strace output into <see cref="TraceEvent"/>s, streaming: one line at a time, one
/// pending (unfinished) call per thread, memory bounded by the reader's line limit and
/// <see cref="MaxPendingCalls"/>. An <c>&lt;unfinished ...&gt;</c> line and its
/// <c>&lt;... NAME resumed&gt;</c> line become one <see cref="TraceEventKind.Call"/> (announced
/// by a <see cref="TraceEventKind.CallStarted"/> when the first line is read); calls still
/// pending when the input ends come out last, with <see cref="ResultKind.Missing"/>. Lines it
/// cannot use become <see cref="TraceEventKind.Unusable"/> events and are counted in
/// <see cref="Statistics"/>; nothing in the input makes it throw.
/// </summary>
/// <remarks>The line shapes are those of docs/notes/strace-format.md.</remarks>
public sealed class StraceParser : IDisposable
{
    /// <summary>The most unfinished calls kept at once (one per thread; a real log has tens).</summary>
    public const int MaxPendingCalls = 16384;

    /// <summary>The most distinct strings (paths, unknown call names) kept interned.</summary>
    private const int MaxInterned = 4096;

    private const long MicrosPerDay = 86_400_000_000;

    private readonly StraceLineReader _reader;

    /// <summary>Unfinished calls by thread.</summary>
    private readonly Dictionary<int, PendingCall> _pending = [];

    /// <summary>Released PendingCall objects, reused.</summary>
    private readonly Stack<PendingCall> _free = [];

    /// <summary><see cref="Intern"/> as the decoder's delegate, made once (a method group converted at each call would allocate a delegate per line).</summary>
    private readonly Func<ReadOnlySpan<byte>, string> _intern;

    /// <summary>Interned strings, by content.</summary>
    private readonly Dictionary<string, string> _strings = new(StringComparer.Ordinal);

    /// <summary>Calls still pending at the end of the input, oldest first, handed out after the last line.</summary>
    private Queue<PendingCall>? _leftover;

    /// <summary>A split call joined into one line.</summary>
    private byte[] _joined = new byte[1024];

    /// <summary>The head of a line that strace interrupted with one of its own messages (stderr output), and its thread.</summary>
    private byte[]? _held;

    private int _heldLength;

    private int _heldTid;

    /// <summary>Running time for -r and for -t/-tt across midnight.</summary>
    private long _clock;

    private long _dayOffset;

    /// <summary>The sum of -r's relative times when they follow a -t time of day.</summary>
    private long _relativeClock;

    /// <summary>Creates a parser over <paramref name="reader"/> (disposed with the parser).</summary>
    public StraceParser(StraceLineReader reader)
    {
        _reader = reader;
        _intern = Intern;
    }

    /// <summary>Creates a parser over <paramref name="stream"/>.</summary>
    public StraceParser(Stream stream)
        : this(new StraceLineReader(stream))
    {
    }

    /// <summary>The event last read. The same instance is reused: valid until the next <see cref="Read"/>.</summary>
    public TraceEvent Current { get; } = new();

    /// <summary>Counts of what was read so far.</summary>
    public ParseStatistics Statistics { get; } = new();

    /// <summary>Bytes consumed (progress).</summary>
    public long BytesRead => _reader.BytesRead;

    /// <summary>Reads the next event into <see cref="Current"/>.</summary>
    /// <returns>False when the input and the pending calls are exhausted.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool Read()
    {
        var ev = Current;
        while (_leftover is null)
        {
            if (!_reader.TryReadLine(out var line, out var status))
            {
                Statistics.Bytes = _reader.BytesRead;
                _leftover = new Queue<PendingCall>(_pending.Values.OrderBy(p => p.Line));
                _pending.Clear();
                break;
            }

            Statistics.Lines = _reader.LineNumber;
            ev.Reset();
            ev.Line = ev.FirstLine = _reader.LineNumber;
            if (status == LineStatus.TooLong)
            {
                Unusable(ev, LineProblem.TooLong, line);
                return true;
            }

            if (status == LineStatus.Unterminated)
            {
                Statistics.EndsMidLine = true;
            }

            if (StraceSyntax.Trim(line).IsEmpty)
            {
                continue;
            }

            try
            {
                ParseLine(ev, line, status);
            }
            catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException or FormatException or OverflowException)
            {
                // A bug of this parser on a line it did not expect: the line is lost, the log is not.
                ev.Reset();
                ev.Line = ev.FirstLine = _reader.LineNumber;
                Unusable(ev, LineProblem.ParserError, line);
            }

            return true;
        }

        if (_leftover.Count == 0)
        {
            return false;
        }

        var p = _leftover.Dequeue();
        ev.Reset();
        ev.Tid = p.Tid;
        ev.Line = ev.FirstLine = p.Line;
        ev.TimeMicros = p.Time;
        ev.Syscall = p.Kind;
        ev.OtherName = p.OtherName;
        ev.Kind = TraceEventKind.Call;
        ev.Result = ResultKind.Missing;
        var text = p.Text;
        ev.SetText(text);
        var open = text.IndexOf((byte)'(');
        var args = open < 0 ? default : text[(open + 1)..];
        if (!CallDecoder.Decode(ev, args, partial: false, _intern))
        {
            ev.ArgCount = 0;
        }

        Statistics.Calls++;
        Statistics.InFlight++;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ParseLine(TraceEvent ev, ReadOnlySpan<byte> line, LineStatus status)
    {
        if (!ParsePrefix(line, out var tid, out var time, out var body))
        {
            Unusable(ev, LineProblem.Unrecognised, line);
            return;
        }

        ev.Tid = tid;
        ev.TimeMicros = time;
        ev.SetText(line);

        // stderr output: "clone(...|SIGCHLDstrace: Process 16611 attached" then " <unfinished ...>".
        var message = body.IndexOf("strace: "u8);
        if (message == 0)
        {
            Unusable(ev, LineProblem.StraceMessage, line);
            return;
        }

        if (message > 0)
        {
            Hold(tid, body[..message]);
            Unusable(ev, LineProblem.StraceMessage, line);
            return;
        }

        if (_held is not null && line[0] == ' ' && StraceSyntax.Trim(body).SequenceEqual("<unfinished ...>"u8))
        {
            var joined = Join(_held.AsSpan(0, _heldLength), " <unfinished ...>"u8);
            ev.Tid = tid = _heldTid;
            _held = null;
            ParseBody(ev, tid, joined, status);
            return;
        }

        _held = null;
        ParseBody(ev, tid, body, status);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ParseBody(TraceEvent ev, int tid, ReadOnlySpan<byte> body, LineStatus status)
    {
        body = StraceSyntax.Trim(body);
        if (body.StartsWith("--- "u8))
        {
            ev.Kind = TraceEventKind.Signal;
            var signal = body[4..];
            var end = signal.IndexOfAny((byte)' ', (byte)'{');
            ev.Name = Intern(end < 0 ? signal : signal[..end]);
            Statistics.Signals++;
            return;
        }

        if (body.StartsWith("+++ "u8))
        {
            ParseExitLine(ev, body);
            return;
        }

        ParseDuration(ev, ref body);
        if (body.StartsWith("<... "u8))
        {
            ParseResumed(ev, tid, body);
            return;
        }

        var open = body.IndexOf((byte)'(');
        if (open <= 0 || !StraceSyntax.IsIdentifier(body[..open]))
        {
            Unusable(ev, LineProblem.Unrecognised, ev.Text);
            return;
        }

        var name = body[..open];
        if (body.EndsWith(" <unfinished ...>"u8))
        {
            StartCall(ev, tid, tid, body[..^" <unfinished ...>".Length], name);
            return;
        }

        if (body.EndsWith(" ...>"u8))
        {
            var marker = body.LastIndexOf(" <pid changed to "u8);
            if (marker > 0)
            {
                // A non-leader thread's execve: the call resumes under the leader's tid.
                var digits = body[(marker + " <pid changed to ".Length)..^" ...>".Length];
                if (!Utf8Parser.TryParse(digits, out int leader, out var used) || used != digits.Length)
                {
                    Unusable(ev, LineProblem.BadArguments, ev.Text);
                    return;
                }

                StartCall(ev, tid, leader, body[..marker], name);
                ev.Number = leader;
                return;
            }

            if (body.EndsWith(" <detached ...>"u8))
            {
                CompleteCall(ev, body[..^" <detached ...>".Length], name, hasResult: false);
                return;
            }
        }

        CompleteCall(ev, body, name, hasResult: true, status);
    }

    /// <summary>Records an unfinished call of <paramref name="tid"/> under <paramref name="owner"/> (the thread whose line will resume it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void StartCall(TraceEvent ev, int tid, int owner, ReadOnlySpan<byte> head, ReadOnlySpan<byte> name)
    {
        ev.Kind = TraceEventKind.CallStarted;
        ev.Syscall = SyscallNames.Parse(name);
        ev.OtherName = ev.Syscall == SyscallKind.Other ? Intern(name) : null;
        // Memory calls print every argument at entry; clone's child_tidptr and mincore's vector come at exit.
        var open = head.IndexOf((byte)'(');
        if (!CallDecoder.Decode(ev, head[(open + 1)..], partial: false, _intern))
        {
            ev.ArgCount = 0;
            ev.Vector.Clear();
            CallDecoder.Decode(ev, head[(open + 1)..], partial: true, _intern);
        }

        if (_pending.Remove(owner, out var earlier))
        {
            Statistics.AddUnusable(LineProblem.UnfinishedTwice, earlier.Line, earlier.Text);
            _free.Push(earlier);
        }

        if (_pending.Count >= MaxPendingCalls)
        {
            ev.Kind = TraceEventKind.Unusable;
            ev.Problem = LineProblem.TooManyPending;
            Statistics.AddUnusable(LineProblem.TooManyPending, ev.Line, ev.Text);
            return;
        }

        var p = _free.Count > 0 ? _free.Pop() : new PendingCall();
        p.Set(tid, ev.Line, ev.TimeMicros, ev.Syscall, ev.OtherName, head);
        p.Tid = owner;
        _pending[owner] = p;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ParseResumed(TraceEvent ev, int tid, ReadOnlySpan<byte> body)
    {
        var end = body.IndexOf(" resumed>"u8);
        if (end < 5)
        {
            Unusable(ev, LineProblem.Unrecognised, ev.Text);
            return;
        }

        var name = body[5..end];
        var rest = body[(end + " resumed>".Length)..];
        if (!_pending.Remove(tid, out var p))
        {
            // stderr output: the lone process's lines had no pid; its first "[pid N]" line may resume its call.
            if (tid != 0 && _pending.TryGetValue(0, out var lone) && lone.NameEquals(name))
            {
                _pending.Remove(0);
                p = lone;
            }
            else
            {
                Unusable(ev, LineProblem.ResumedWithoutStart, ev.Text);
                return;
            }
        }

        if (!p.NameEquals(name))
        {
            // Not the thread's pending call (a line was lost): keep the pending one for its own resumption.
            _pending[p.Tid] = p;
            Unusable(ev, LineProblem.ResumedWithoutStart, ev.Text);
            return;
        }

        var joined = Join(p.Text, rest);
        ev.FirstLine = p.Line;
        var started = p.Time;
        _free.Push(p);
        Statistics.SplitCalls++;
        ev.SetText(joined);
        var open = joined.IndexOf((byte)'(');
        CompleteCall(ev, joined, joined[..open], hasResult: true);
        if (ev.Kind == TraceEventKind.Call)
        {
            ev.TimeMicros = started;
        }
    }

    /// <summary>Decodes <c>name(args) = result</c> (or, without a result, <c>name(args</c> of a detached call).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void CompleteCall(TraceEvent ev, ReadOnlySpan<byte> body, ReadOnlySpan<byte> name, bool hasResult, LineStatus status = LineStatus.Complete)
    {
        ev.Kind = TraceEventKind.Call;
        ev.Syscall = SyscallNames.Parse(name);
        ev.OtherName = ev.Syscall == SyscallKind.Other ? Intern(name) : null;
        ReadOnlySpan<byte> args;
        if (hasResult)
        {
            var eq = body.LastIndexOf(" = "u8);
            var left = eq < 0 ? default : StraceSyntax.Trim(body[..eq]);
            if (eq < 0 || left.IsEmpty || left[^1] != ')')
            {
                Unusable(ev, status == LineStatus.Unterminated || eq < 0 ? LineProblem.Truncated : LineProblem.BadArguments, ev.Text);
                return;
            }

            if (!ParseResult(ev, body[(eq + 3)..]))
            {
                Unusable(ev, LineProblem.BadArguments, ev.Text);
                return;
            }

            args = left[(name.Length + 1)..^1];
        }
        else
        {
            ev.Result = ResultKind.Missing;
            args = body[(name.Length + 1)..];
            Statistics.InFlight++;
        }

        if (!CallDecoder.Decode(ev, args, partial: false, _intern))
        {
            Unusable(ev, LineProblem.BadArguments, ev.Text);
            return;
        }

        Statistics.Calls++;
    }

    /// <summary>The result after <c> = </c>: a value, <c>-1 ENAME (text)</c>, <c>-1 (errno N)</c>, or <c>?</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool ParseResult(TraceEvent ev, ReadOnlySpan<byte> s)
    {
        s = StraceSyntax.Trim(s);
        if (s.IsEmpty)
        {
            return false;
        }

        if (s[0] == '?')
        {
            ev.Result = ResultKind.Unknown;
            return true;
        }

        if (s.StartsWith("-1 "u8))
        {
            var e = StraceSyntax.Trim(s[3..]);
            ev.Result = ResultKind.Error;
            if (e.StartsWith("(errno "u8))
            {
                var close = e.IndexOf((byte)')');
                if (close < 0 || !Utf8Parser.TryParse(e[7..close], out int n, out _))
                {
                    return false;
                }

                ev.Errno = n;
                return true;
            }

            var space = e.IndexOf((byte)' ');
            var errName = space < 0 ? e : e[..space];
            ev.Errno = ConstantNames.Errnos.TryGet(errName, out var errno) ? (int)errno : 0;
            return StraceSyntax.IsIdentifier(errName);
        }

        var endValue = s.IndexOfAny((byte)' ', (byte)'<');
        var value = endValue < 0 ? s : s[..endValue];
        if (!StraceSyntax.TryParseNumber(value, out var v))
        {
            return false;
        }

        ev.Result = ResultKind.Value;
        ev.Value = unchecked((long)v);
        return true;
    }

    private void ParseExitLine(TraceEvent ev, ReadOnlySpan<byte> body)
    {
        Statistics.ExitLines++;
        var text = body[4..];
        if (text.StartsWith("exited with "u8))
        {
            var digits = text[12..];
            var sp = digits.IndexOf((byte)' ');
            if (sp > 0 && Utf8Parser.TryParse(digits[..sp], out int status, out _))
            {
                ev.Kind = TraceEventKind.Exited;
                ev.Number = status;
                return;
            }
        }
        else if (text.StartsWith("killed by "u8))
        {
            var sig = text[10..];
            var sp = sig.IndexOf((byte)' ');
            if (sp > 0)
            {
                ev.Kind = TraceEventKind.Killed;
                ev.Name = Intern(sig[..sp]);
                return;
            }
        }
        else if (text.StartsWith("superseded by execve in pid "u8))
        {
            var digits = text[28..];
            var sp = digits.IndexOf((byte)' ');
            if (sp > 0 && Utf8Parser.TryParse(digits[..sp], out int by, out _))
            {
                ev.Kind = TraceEventKind.Superseded;
                ev.Number = by;
                return;
            }
        }

        Statistics.ExitLines--;
        Unusable(ev, LineProblem.Unrecognised, ev.Text);
    }

    /// <summary>Strips a trailing <c> &lt;0.000031&gt;</c> (-T) into <see cref="TraceEvent.DurationMicros"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ParseDuration(TraceEvent ev, ref ReadOnlySpan<byte> body)
    {
        if (body.Length < 4 || body[^1] != '>')
        {
            return;
        }

        var open = body.LastIndexOf((byte)'<');
        if (open < 1 || body[open - 1] != ' ')
        {
            return;
        }

        var inner = body[(open + 1)..^1];
        if (inner.IsEmpty || inner[0] is < (byte)'0' or > (byte)'9' || !StraceSyntax.TryParseSeconds(inner, out var micros))
        {
            return;
        }

        ev.DurationMicros = micros;
        Statistics.Durations = true;
        body = body[..(open - 1)];
    }

    /// <summary>
    /// Splits the pid column (<c>1234 </c>, <c>[pid 1234] </c>, <c>1234&lt;comm&gt; </c>) and the
    /// timestamp (-ttt, -tt, -t, -r, <c>(+ 0.000116)</c>) off a line.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool ParsePrefix(ReadOnlySpan<byte> line, out int tid, out long time, out ReadOnlySpan<byte> body)
    {
        tid = 0;
        time = -1;
        body = default;
        var p = 0;
        if (line.StartsWith("[pid "u8))
        {
            p = 5;
            while (p < line.Length && line[p] == ' ')
            {
                p++;
            }

            var close = line[p..].IndexOf((byte)']');
            if (close <= 0 || !TryParsePid(line.Slice(p, close), out tid))
            {
                return false;
            }

            p += close + 1;
            Statistics.LinesWithPid++;
        }
        else if (line.Length > 0 && line[0] is >= (byte)'0' and <= (byte)'9')
        {
            var q = 0;
            while (q < line.Length && line[q] is >= (byte)'0' and <= (byte)'9')
            {
                q++;
            }

            if (q < line.Length && (line[q] == ' ' || line[q] == '<'))
            {
                if (!TryParsePid(line[..q], out tid))
                {
                    return false;
                }

                p = q;
                if (line[p] == '<')
                {
                    // -Y: "16626<pmadvise> ".
                    var close = line[p..].IndexOf("> "u8);
                    if (close < 0)
                    {
                        return false;
                    }

                    p += close + 1;
                }

                Statistics.LinesWithPid++;
            }
        }

        while (p < line.Length && line[p] == ' ')
        {
            p++;
        }

        if (p < line.Length && line[p] is >= (byte)'0' and <= (byte)'9')
        {
            var end = line[p..].IndexOf((byte)' ');
            if (end < 0 || !ParseTimestamp(line.Slice(p, end), out time))
            {
                return false;
            }

            p += end;
            while (p < line.Length && line[p] == ' ')
            {
                p++;
            }

            if (line[p..].StartsWith("(+"u8))
            {
                // -t -r: the relative time is finer than -t's whole seconds.
                var close = line[p..].IndexOf((byte)')');
                if (close < 0 || !StraceSyntax.TryParseSeconds(StraceSyntax.Trim(line.Slice(p + 2, close - 2)), out var delta))
                {
                    return false;
                }

                _relativeClock += delta;
                time = _relativeClock;
                p += close + 1;
            }
        }

        body = line[p..];
        return true;
    }

    private static bool TryParsePid(ReadOnlySpan<byte> digits, out int pid) =>
        Utf8Parser.TryParse(digits, out pid, out var used) && used == digits.Length && pid >= 0;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool ParseTimestamp(ReadOnlySpan<byte> s, out long micros)
    {
        micros = -1;
        if (s.IndexOf((byte)':') > 0)
        {
            // -t / -tt: hh:mm:ss[.ffffff]; a decrease of more than 12 h is midnight.
            if (s.Length < 8 || s[2] != ':' || s[5] != ':'
                || !Utf8Parser.TryParse(s[..2], out int h, out _) || !Utf8Parser.TryParse(s[3..5], out int m, out _)
                || !StraceSyntax.TryParseSeconds(s[6..], out var sec))
            {
                return false;
            }

            var tod = ((h * 3600L) + (m * 60L)) * 1_000_000 + sec + _dayOffset;
            if (Statistics.Timestamps == TimestampFormat.None)
            {
                Statistics.Timestamps = TimestampFormat.TimeOfDay;
            }

            if (tod < _clock - (MicrosPerDay / 2))
            {
                _dayOffset += MicrosPerDay;
                tod += MicrosPerDay;
            }

            _clock = tod;
            micros = tod;
            return true;
        }

        if (!StraceSyntax.TryParseSeconds(s, out var value))
        {
            return false;
        }

        if (Statistics.Timestamps == TimestampFormat.None)
        {
            // -ttt prints seconds since 1970 (≥ 10^9 since 2001); -r prints the time since the previous line.
            Statistics.Timestamps = value >= 100_000_000L * 1_000_000 ? TimestampFormat.Unix : TimestampFormat.Relative;
        }

        if (Statistics.Timestamps == TimestampFormat.Relative)
        {
            _clock += value;
            micros = _clock;
        }
        else
        {
            micros = value;
        }

        return true;
    }

    private void Hold(int tid, ReadOnlySpan<byte> head)
    {
        if (_held is null || _held.Length < head.Length)
        {
            _held = new byte[Math.Max(256, head.Length)];
        }

        head.CopyTo(_held);
        _heldLength = head.Length;
        _heldTid = tid;
    }

    private ReadOnlySpan<byte> Join(ReadOnlySpan<byte> head, ReadOnlySpan<byte> tail)
    {
        var length = head.Length + tail.Length;
        if (_joined.Length < length)
        {
            _joined = new byte[Math.Max(length, _joined.Length * 2)];
        }

        head.CopyTo(_joined);
        tail.CopyTo(_joined.AsSpan(head.Length));
        return _joined.AsSpan(0, length);
    }

    private void Unusable(TraceEvent ev, LineProblem problem, ReadOnlySpan<byte> text)
    {
        ev.Kind = TraceEventKind.Unusable;
        ev.Problem = problem;
        Statistics.AddUnusable(problem, ev.Line, text);
    }

    private string Intern(ReadOnlySpan<byte> s)
    {
        var text = System.Text.Encoding.UTF8.GetString(s);
        if (_strings.TryGetValue(text, out var interned))
        {
            return interned;
        }

        if (_strings.Count < MaxInterned)
        {
            _strings.Add(text, text);
        }

        return text;
    }

    public void Dispose() => _reader.Dispose();

    /// <summary>An unfinished call: its first line's text up to the <c>&lt;unfinished ...&gt;</c> marker.</summary>
    private sealed class PendingCall
    {
        private byte[] _text = new byte[256];

        private int _length;

        public int Tid { get; set; }

        public long Line { get; private set; }

        public long Time { get; private set; }

        public SyscallKind Kind { get; private set; }

        public string? OtherName { get; private set; }

        public ReadOnlySpan<byte> Text => _text.AsSpan(0, _length);

        public void Set(int tid, long line, long time, SyscallKind kind, string? otherName, ReadOnlySpan<byte> text)
        {
            Tid = tid;
            Line = line;
            Time = time;
            Kind = kind;
            OtherName = otherName;
            if (_text.Length < text.Length)
            {
                _text = new byte[Math.Max(text.Length, _text.Length * 2)];
            }

            text.CopyTo(_text);
            _length = text.Length;
        }

        public bool NameEquals(ReadOnlySpan<byte> name)
        {
            var open = Text.IndexOf((byte)'(');
            return open > 0 && Text[..open].SequenceEqual(name);
        }
    }
}
