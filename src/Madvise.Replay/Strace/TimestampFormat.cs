namespace Madvise.Replay.Strace;

/// <summary>The timestamps a log carries, as the first timestamped line shows them.</summary>
public enum TimestampFormat : byte
{
    /// <summary>No timestamps (strace without -t/-tt/-ttt/-r).</summary>
    None,

    /// <summary><c>-ttt</c>: seconds since the epoch with a fraction.</summary>
    Unix,

    /// <summary><c>-t</c>/<c>-tt</c>: time of day (<c>22:59:10</c>, <c>22:59:10.132820</c>).</summary>
    TimeOfDay,

    /// <summary><c>-r</c>: time since the previous line; the parser sums it.</summary>
    Relative,
}
