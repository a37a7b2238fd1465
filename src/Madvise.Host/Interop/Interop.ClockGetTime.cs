using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>CLOCK_THREAD_CPUTIME_ID: CPU time consumed by the calling thread.</summary>
        internal const int CLOCK_THREAD_CPUTIME_ID = 3;

        /// <summary>clock_gettime(2).</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "clock_gettime", SetLastError = true)]
        internal static unsafe partial int ClockGetTime(int clock, Timespec* ts);
    }

    /// <summary>struct timespec on 64-bit Linux.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct Timespec
    {
        /// <summary>tv_sec.</summary>
        public long Seconds;

        /// <summary>tv_nsec.</summary>
        public long Nanoseconds;
    }
}
