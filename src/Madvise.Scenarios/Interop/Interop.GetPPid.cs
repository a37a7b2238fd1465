using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>getppid(2).</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "getppid")]
        internal static partial int GetPPid();
    }
}
