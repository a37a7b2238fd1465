using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>PR_SET_PDEATHSIG: signal sent to this process when its parent thread exits.</summary>
        internal const int PR_SET_PDEATHSIG = 1;

        /// <summary>PR_CAP_AMBIENT: ambient capability set operations.</summary>
        internal const int PR_CAP_AMBIENT = 47;

        /// <summary>PR_CAP_AMBIENT_LOWER: remove one capability from the ambient set.</summary>
        internal const ulong PR_CAP_AMBIENT_LOWER = 3;

        /// <summary>PR_CAP_AMBIENT_CLEAR_ALL: empty the ambient set.</summary>
        internal const ulong PR_CAP_AMBIENT_CLEAR_ALL = 4;

        /// <summary>
        /// prctl(2). Variadic in C; all arguments are integers, passed in the same registers
        /// as a fixed-parameter call on x86-64 and AArch64.
        /// </summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "prctl", SetLastError = true)]
        internal static partial int Prctl(int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5);
    }
}
