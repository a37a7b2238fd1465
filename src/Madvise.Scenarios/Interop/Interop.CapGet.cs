using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>capget(2); <paramref name="data"/> points at two <see cref="CapUserData"/> for version 3.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "capget", SetLastError = true)]
        internal static unsafe partial int CapGet(CapUserHeader* header, CapUserData* data);
    }
}
