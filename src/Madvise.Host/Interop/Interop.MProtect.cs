using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>mprotect(2).</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "mprotect", SetLastError = true)]
        internal static unsafe partial int MProtect(void* addr, nuint length, int prot);
    }
}
