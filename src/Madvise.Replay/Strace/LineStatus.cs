namespace Madvise.Replay.Strace;

/// <summary>How a line read by <see cref="StraceLineReader"/> ended.</summary>
public enum LineStatus
{
    /// <summary>Ended with a newline.</summary>
    Complete,

    /// <summary>The last line of the input, without a newline: strace was killed, or the log was cut.</summary>
    Unterminated,

    /// <summary>Longer than the reader's limit: only its first bytes are given; the rest was skipped.</summary>
    TooLong,
}
