using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

internal static partial class Interop
{
    /// <summary>Storage for glibc's posix_spawnattr_t (336 bytes on LP64), with room to spare.</summary>
    [InlineArray(64)]
    internal struct PosixSpawnAttr
    {
        /// <summary>First 8-byte word of the opaque structure.</summary>
        private ulong _word;
    }

    /// <summary>Storage for sigset_t (128 bytes in glibc).</summary>
    [InlineArray(16)]
    internal struct SigSet
    {
        /// <summary>First 8-byte word of the mask.</summary>
        private ulong _word;
    }

    internal static partial class Libc
    {
        /// <summary>POSIX_SPAWN_SETSIGDEF: reset the signals in the attribute's default set to SIG_DFL in the child.</summary>
        internal const short POSIX_SPAWN_SETSIGDEF = 0x04;

        /// <summary>POSIX_SPAWN_SETSIGMASK: the child starts with the attribute's signal mask.</summary>
        internal const short POSIX_SPAWN_SETSIGMASK = 0x08;

        /// <summary>
        /// posix_spawn(3). glibc implements it with clone(CLONE_VM|CLONE_VFORK) and execve, which is
        /// safe in a multithreaded process, and the calling thread becomes the child's parent.
        /// </summary>
        /// <returns>0, or an errno value (posix_spawn does not set errno).</returns>
        [LibraryImport(Libraries.Libc, EntryPoint = "posix_spawn")]
        internal static unsafe partial int PosixSpawn(int* pid, byte* path, PosixSpawnFileActions* fileActions, PosixSpawnAttr* attr, byte** argv, byte** envp);

        /// <summary>posix_spawnattr_init(3).</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "posix_spawnattr_init")]
        internal static unsafe partial int PosixSpawnAttrInit(PosixSpawnAttr* attr);

        /// <summary>posix_spawnattr_destroy(3).</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "posix_spawnattr_destroy")]
        internal static unsafe partial int PosixSpawnAttrDestroy(PosixSpawnAttr* attr);

        /// <summary>posix_spawnattr_setflags(3).</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "posix_spawnattr_setflags")]
        internal static unsafe partial int PosixSpawnAttrSetFlags(PosixSpawnAttr* attr, short flags);

        /// <summary>posix_spawnattr_setsigmask(3).</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "posix_spawnattr_setsigmask")]
        internal static unsafe partial int PosixSpawnAttrSetSigMask(PosixSpawnAttr* attr, SigSet* mask);

        /// <summary>posix_spawnattr_setsigdefault(3).</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "posix_spawnattr_setsigdefault")]
        internal static unsafe partial int PosixSpawnAttrSetSigDefault(PosixSpawnAttr* attr, SigSet* signals);

        /// <summary>sigemptyset(3).</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "sigemptyset")]
        internal static unsafe partial int SigEmptySet(SigSet* set);

        /// <summary>sigfillset(3).</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "sigfillset")]
        internal static unsafe partial int SigFillSet(SigSet* set);
    }
}
