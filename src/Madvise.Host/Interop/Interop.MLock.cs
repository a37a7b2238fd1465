using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>mlock(2).</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "mlock", SetLastError = true)]
        internal static unsafe partial int MLock(void* addr, nuint length);
    }
}
