using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>setresuid(2). glibc applies it to every thread of the process (its setxid broadcast), as POSIX requires.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "setresuid", SetLastError = true)]
        internal static partial int SetResUid(uint ruid, uint euid, uint suid);
    }
}
