using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>madvise(2). Behaviour numbers are in <see cref="Madvise.Abi.MemoryAdvice"/>.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "madvise", SetLastError = true)]
        internal static unsafe partial int MAdvise(void* addr, nuint length, int advice);
    }
}
