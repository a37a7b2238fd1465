using System.Diagnostics;
using Madvise.Host;

namespace Madvise.Compaction.Engine;

/// <summary>The real clocks: <see cref="Stopwatch"/> and clock_gettime(CLOCK_THREAD_CPUTIME_ID).</summary>
public sealed class SystemCompactionClock : ICompactionClock
{
    /// <summary>The one instance; it has no state.</summary>
    public static SystemCompactionClock Instance { get; } = new();

    /// <summary>Nanoseconds per Stopwatch tick.</summary>
    private static readonly double NanosecondsPerTick = 1e9 / Stopwatch.Frequency;

    private SystemCompactionClock()
    {
    }

    /// <inheritdoc/>
    public long WallNanoseconds() =>
        Stopwatch.Frequency == 1_000_000_000 ? Stopwatch.GetTimestamp() : (long)(Stopwatch.GetTimestamp() * NanosecondsPerTick);

    /// <inheritdoc/>
    public long ThreadCpuNanoseconds() => ThreadCpuTime.NowNanoseconds();
}
