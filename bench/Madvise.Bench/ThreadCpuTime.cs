using System.Runtime.InteropServices;

namespace Madvise.Bench;

/// <summary>
/// CPU time consumed by the calling thread (clock_gettime(CLOCK_THREAD_CPUTIME_ID)): unlike wall
/// time it does not grow while the thread waits for a CPU, which on a loaded 2-core machine is
/// most of the noise.
/// </summary>
public static unsafe partial class ThreadCpuTime
{
    /// <summary>CLOCK_THREAD_CPUTIME_ID.</summary>
    private const int ClockThreadCpuTimeId = 3;

    /// <summary>Nanoseconds of CPU time the calling thread has used so far.</summary>
    public static long NowNanoseconds()
    {
        Timespec ts;
        if (ClockGetTime(ClockThreadCpuTimeId, &ts) != 0)
        {
            throw new InvalidOperationException("clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
        }

        return (ts.Seconds * 1_000_000_000L) + ts.Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, Timespec* ts);

    /// <summary>struct timespec on 64-bit Linux.</summary>
    private struct Timespec
    {
        /// <summary>tv_sec.</summary>
        public long Seconds;

        /// <summary>tv_nsec.</summary>
        public long Nanoseconds;
    }
}
