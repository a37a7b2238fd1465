using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>WNOHANG: return 0 at once when the child has not exited.</summary>
        internal const int WNOHANG = 1;

        /// <summary>waitpid(2).</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "waitpid", SetLastError = true)]
        internal static unsafe partial int WaitPid(int pid, int* status, int options);
    }
}
