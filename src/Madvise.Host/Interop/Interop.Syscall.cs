using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>
        /// syscall(2) with five integer arguments, for calls glibc does not export before 2.36.
        /// </summary>
        /// <remarks>
        /// syscall is variadic in C. Every argument here is an integer register, which the
        /// x86-64 and AArch64 calling conventions pass the same way for variadic and fixed
        /// parameters, so a fixed five-argument import is exact.
        /// </remarks>
        [LibraryImport(Libraries.Libc, EntryPoint = "syscall", SetLastError = true)]
        internal static partial long Syscall(long number, long a1, long a2, long a3, long a4, long a5);
    }

    /// <summary>System call numbers used through <see cref="Libc.Syscall"/>.</summary>
    /// <remarks>Syscalls added since Linux 5.1 share one number on every architecture but alpha.</remarks>
    internal static class SyscallNumbers
    {
        /// <summary>pidfd_send_signal(2), Linux 5.1.</summary>
        internal const long PidfdSendSignal = 424;

        /// <summary>pidfd_open(2), Linux 5.3.</summary>
        internal const long PidfdOpen = 434;

        /// <summary>pidfd_getfd(2), Linux 5.6.</summary>
        internal const long PidfdGetfd = 438;

        /// <summary>process_madvise(2), Linux 5.10.</summary>
        internal const long ProcessMadvise = 440;
    }
}
