using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>The value mmap(2) returns on failure.</summary>
        internal static readonly nint MAP_FAILED = -1;

        /// <summary>mmap(2).</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "mmap", SetLastError = true)]
        internal static unsafe partial void* MMap(void* addr, nuint length, int prot, int flags, int fd, long offset);
    }
}
