using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>setgroups(2), applied to every thread by glibc.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "setgroups", SetLastError = true)]
        internal static unsafe partial int SetGroups(nuint size, uint* list);
    }
}
