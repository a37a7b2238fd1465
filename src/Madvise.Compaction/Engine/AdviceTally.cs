namespace Madvise.Compaction.Engine;

/// <summary>The calls of one advice.</summary>
public sealed class AdviceTally
{
    /// <summary>Creates an empty tally.</summary>
    public AdviceTally(MemoryAdvice advice) => Advice = advice;

    /// <summary>The advice.</summary>
    public MemoryAdvice Advice { get; }

    /// <summary>Calls made.</summary>
    public int Calls { get; internal set; }

    /// <summary>iovec entries sent.</summary>
    public long Ranges { get; internal set; }

    /// <summary>Bytes the calls reported advised.</summary>
    public ulong BytesAdvised { get; internal set; }

    /// <summary>CPU time of the calls.</summary>
    public long CpuNanoseconds { get; internal set; }

    /// <summary>Wall time of the calls.</summary>
    public long WallNanoseconds { get; internal set; }

    /// <summary>The longest call (wall time).</summary>
    public long MaxWallNanoseconds { get; internal set; }
}
