using System.Runtime.InteropServices;

namespace Madvise.Measurement.Workloads;

/// <summary>
/// Sub-millisecond sleeps for pacing the contention writer (Thread.Sleep rounds up to whole
/// milliseconds). The kernel's timer slack (50 µs by default) lengthens each sleep a little.
/// </summary>
public static partial class NanoSleep
{
    /// <summary>Sleeps about <paramref name="nanoseconds"/> (nothing for zero or less); an interrupted sleep just ends early.</summary>
    public static void For(long nanoseconds)
    {
        if (nanoseconds <= 0)
        {
            return;
        }

        var request = new Timespec(nanoseconds / 1_000_000_000, nanoseconds % 1_000_000_000);
        _ = Sleep(in request, 0);
    }

    /// <summary>nanosleep(2).</summary>
    [LibraryImport("libc", EntryPoint = "nanosleep")]
    private static partial int Sleep(in Timespec request, nint remaining);

    /// <summary>struct timespec on 64-bit Linux.</summary>
    /// <param name="Seconds">tv_sec.</param>
    /// <param name="Nanoseconds">tv_nsec.</param>
    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct Timespec(long Seconds, long Nanoseconds);
}
