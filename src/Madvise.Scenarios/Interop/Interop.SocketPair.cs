using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>AF_UNIX.</summary>
        internal const int AF_UNIX = 1;

        /// <summary>SOCK_STREAM.</summary>
        internal const int SOCK_STREAM = 1;

        /// <summary>SOCK_CLOEXEC: both ends close on exec, so no other child inherits them.</summary>
        internal const int SOCK_CLOEXEC = 0x80000;

        /// <summary>socketpair(2): <paramref name="fds"/> receives two connected descriptors.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "socketpair", SetLastError = true)]
        internal static unsafe partial int SocketPair(int domain, int type, int protocol, int* fds);
    }
}
