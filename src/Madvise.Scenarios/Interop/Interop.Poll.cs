using System.Runtime.InteropServices;

internal static partial class Interop
{
    /// <summary>struct pollfd.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct PollFd
    {
        /// <summary>Descriptor to watch.</summary>
        public int Fd;

        /// <summary>Requested events.</summary>
        public short Events;

        /// <summary>Returned events.</summary>
        public short REvents;
    }

    internal static partial class Libc
    {
        /// <summary>POLLIN: readable; for a pidfd, the process has exited.</summary>
        internal const short POLLIN = 0x1;

        /// <summary>poll(2).</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "poll", SetLastError = true)]
        internal static unsafe partial int Poll(PollFd* fds, nuint count, int timeoutMilliseconds);
    }
}
