using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>munlock(2).</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "munlock", SetLastError = true)]
        internal static unsafe partial int MUnlock(void* addr, nuint length);
    }
}
