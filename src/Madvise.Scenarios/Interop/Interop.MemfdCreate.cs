using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>memfd_create flag: close the descriptor on exec.</summary>
        internal const uint MFD_CLOEXEC = 0x1;

        /// <summary>memfd_create(2).</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "memfd_create", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int MemfdCreate(string name, uint flags);
    }
}
