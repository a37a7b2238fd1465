using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>setresgid(2), applied to every thread by glibc.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "setresgid", SetLastError = true)]
        internal static partial int SetResGid(uint rgid, uint egid, uint sgid);
    }
}
