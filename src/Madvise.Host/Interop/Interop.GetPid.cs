using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>getpid(2).</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "getpid")]
        internal static partial int GetPid();
    }
}
