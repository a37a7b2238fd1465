using System.Diagnostics;

namespace Madvise.Measurement.Workloads;

/// <summary>Stopwatch timestamps in nanoseconds.</summary>
public static class Timing
{
    /// <summary>Nanoseconds per Stopwatch tick (1 on Linux).</summary>
    private static readonly double NanosecondsPerTick = 1e9 / Stopwatch.Frequency;

    /// <summary>The time between two <see cref="Stopwatch.GetTimestamp"/> values, in nanoseconds.</summary>
    public static long Nanoseconds(long start, long end) =>
        Stopwatch.Frequency == 1_000_000_000 ? end - start : (long)((end - start) * NanosecondsPerTick);
}
