using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>capset(2): changes the calling thread's sets only.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "capset", SetLastError = true)]
        internal static unsafe partial int CapSet(CapUserHeader* header, CapUserData* data);
    }
}
