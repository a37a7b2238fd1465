using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>mkostemp(3): creates and opens (O_RDWR|O_CREAT|O_EXCL plus <paramref name="flags"/>) a file from a template ending in XXXXXX, which it rewrites in place.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "mkostemp", SetLastError = true)]
        internal static unsafe partial int MkosTemp(byte* template, int flags);

        /// <summary>open(2) flag: close on exec.</summary>
        internal const int O_CLOEXEC = 0x80000;
    }
}
