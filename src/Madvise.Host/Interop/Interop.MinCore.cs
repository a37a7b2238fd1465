using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>mincore(2): one byte per page of [addr, addr+length) into <paramref name="vec"/>, bit 0 = resident.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "mincore", SetLastError = true)]
        internal static unsafe partial int MinCore(void* addr, nuint length, byte* vec);
    }
}
