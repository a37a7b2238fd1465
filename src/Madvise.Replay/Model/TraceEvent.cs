using System.Text;

namespace Madvise.Replay.Model;

/// <summary>
/// One event of a trace, as <see cref="Strace.StraceParser"/> hands it out. The parser reuses a
/// single instance: its contents are valid until the next call to the parser, so the hot path
/// allocates nothing. Copy what must outlive it.
/// </summary>
public sealed class TraceEvent
{
    /// <summary>Argument slots (the most any call here has is six).</summary>
    public const int MaxArgs = 6;

    private byte[] _text = new byte[256];

    /// <summary>What happened.</summary>
    public TraceEventKind Kind { get; internal set; }

    /// <summary>The thread id of the line (0 when the log has no pid column: one process).</summary>
    public int Tid { get; internal set; }

    /// <summary>Line number (1-based) of the line that completed the event.</summary>
    public long Line { get; internal set; }

    /// <summary>Line number of its first line (differs from <see cref="Line"/> for a call split across lines).</summary>
    public long FirstLine { get; internal set; }

    /// <summary>When the call entered (or the event was seen), in microseconds on the log's clock; -1 when the log has no timestamps.</summary>
    public long TimeMicros { get; internal set; }

    /// <summary>The call's duration from <c>-T</c>, in microseconds; -1 when not logged.</summary>
    public long DurationMicros { get; internal set; }

    /// <summary>The call (<see cref="TraceEventKind.Call"/> and <see cref="TraceEventKind.CallStarted"/>).</summary>
    public SyscallKind Syscall { get; internal set; }

    /// <summary>The name of a call this parser does not know (<see cref="SyscallKind.Other"/>); null otherwise.</summary>
    public string? OtherName { get; internal set; }

    /// <summary>Decoded numeric arguments in the call's order; see each call's layout in <see cref="Strace.CallDecoder"/>.</summary>
    public ulong[] Args { get; } = new ulong[MaxArgs];

    /// <summary>Number of valid entries in <see cref="Args"/>.</summary>
    public int ArgCount { get; internal set; }

    /// <summary>How the result was logged.</summary>
    public ResultKind Result { get; internal set; }

    /// <summary>The result value (<see cref="ResultKind.Value"/>).</summary>
    public long Value { get; internal set; }

    /// <summary>The errno (<see cref="ResultKind.Error"/>); 0 when strace printed a name this project does not know.</summary>
    public int Errno { get; internal set; }

    /// <summary>process_madvise: the iovec entries printed.</summary>
    public List<IoVec> Vector { get; } = [];

    /// <summary>process_madvise: false when strace cut the array (<c>...]</c> after 32 entries) or printed only its address.</summary>
    public bool VectorComplete { get; internal set; }

    /// <summary>mmap/process_madvise with <c>-y</c>: the descriptor's path (<c>/usr/lib/libc.so.6</c>), else null.</summary>
    public string? FdPath { get; internal set; }

    /// <summary>execve: the program path; signals and kills: the signal name.</summary>
    public string? Name { get; internal set; }

    /// <summary>Exited: the status; Superseded: the tid that called execve; a call line with <c>&lt;pid changed to N ...&gt;</c>: N.</summary>
    public int Number { get; internal set; }

    /// <summary>For <see cref="TraceEventKind.Unusable"/>: why.</summary>
    public LineProblem Problem { get; internal set; }

    /// <summary>The call as text (a split call joined into one line), for reports.</summary>
    public ReadOnlySpan<byte> Text => _text.AsSpan(0, TextLength);

    private int TextLength { get; set; }

    /// <summary>The text as a string (allocates; for reports).</summary>
    public string TextString() => Encoding.UTF8.GetString(Text);

    /// <summary>Copies the text the event reports (reusing the buffer).</summary>
    internal void SetText(ReadOnlySpan<byte> text)
    {
        if (text.Length > _text.Length)
        {
            _text = new byte[Math.Max(text.Length, _text.Length * 2)];
        }

        text.CopyTo(_text);
        TextLength = text.Length;
    }

    /// <summary>Clears everything but the text buffer.</summary>
    internal void Reset()
    {
        Kind = TraceEventKind.Call;
        Tid = 0;
        Line = FirstLine = 0;
        TimeMicros = DurationMicros = -1;
        Syscall = SyscallKind.Other;
        OtherName = null;
        ArgCount = 0;
        Array.Clear(Args);
        Result = ResultKind.Missing;
        Value = 0;
        Errno = 0;
        Vector.Clear();
        VectorComplete = false;
        FdPath = null;
        Name = null;
        Number = 0;
        Problem = LineProblem.None;
        TextLength = 0;
    }
}
