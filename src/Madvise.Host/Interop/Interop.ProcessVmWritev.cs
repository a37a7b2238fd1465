using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>process_vm_writev(2): copies into <paramref name="pid"/>'s memory; protections are honoured (no FOLL_FORCE), a fault ends the transfer.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "process_vm_writev", SetLastError = true)]
        internal static unsafe partial nint ProcessVmWritev(int pid, IoVec* local, nuint localCount, IoVec* remote, nuint remoteCount, nuint flags);
    }
}
