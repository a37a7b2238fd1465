namespace Madvise.Replay.Model;

/// <summary>Why a line could not be used. Counted and reported, never fatal.</summary>
public enum LineProblem : byte
{
    None,

    /// <summary>One of strace's own messages (<c>strace: Process 123 attached</c>), written into the trace when strace writes to stderr.</summary>
    StraceMessage,

    /// <summary>Not a line strace writes to a log (a message of strace's own, garbage, binary data).</summary>
    Unrecognised,

    /// <summary>A call line cut before its result (the last line of a trimmed log or of a killed strace).</summary>
    Truncated,

    /// <summary>Longer than the reader's limit; skipped.</summary>
    TooLong,

    /// <summary>A call whose arguments or result do not have the shape the call prints.</summary>
    BadArguments,

    /// <summary>A <c>&lt;... NAME resumed&gt;</c> line with no unfinished call of that thread (the call began before strace attached, or its first line was lost).</summary>
    ResumedWithoutStart,

    /// <summary>An <c>&lt;unfinished ...&gt;</c> line while the thread already had one pending; the earlier is dropped.</summary>
    UnfinishedTwice,

    /// <summary>The parser failed on the line (a bug: the tests expect none); the line is skipped.</summary>
    ParserError,

    /// <summary>More unfinished calls pending than the parser keeps (a hostile log); the line is dropped.</summary>
    TooManyPending,
}
