namespace Madvise.Host;

/// <summary>
/// CPU time consumed by the calling thread (clock_gettime(CLOCK_THREAD_CPUTIME_ID)). Unlike wall
/// time it does not grow while the thread waits for a CPU or sleeps on a lock, and it includes the
/// kernel's work on the thread's behalf: a process_madvise() call's reclaim runs in the caller.
/// </summary>
public static unsafe class ThreadCpuTime
{
    /// <summary>Nanoseconds of CPU time the calling thread has used so far.</summary>
    /// <exception cref="MadviseException">The clock cannot be read (never on Linux ≥ 2.6.12).</exception>
    public static long NowNanoseconds()
    {
        Interop.Timespec ts;
        if (Interop.Libc.ClockGetTime(Interop.Libc.CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
        {
            throw Interop.GetExceptionForIoErrno(System.Runtime.InteropServices.Marshal.GetLastPInvokeError(), "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
        }

        return (ts.Seconds * 1_000_000_000L) + ts.Nanoseconds;
    }
}
