using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

internal static partial class Interop
{
    /// <summary>Storage for glibc's posix_spawn_file_actions_t (80 bytes on LP64), with room to spare.</summary>
    [InlineArray(16)]
    internal struct PosixSpawnFileActions
    {
        /// <summary>First 8-byte word of the opaque structure.</summary>
        private ulong _word;
    }

    internal static partial class Libc
    {
        /// <summary>posix_spawn_file_actions_init(3).</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "posix_spawn_file_actions_init")]
        internal static unsafe partial int PosixSpawnFileActionsInit(PosixSpawnFileActions* actions);

        /// <summary>posix_spawn_file_actions_destroy(3).</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "posix_spawn_file_actions_destroy")]
        internal static unsafe partial int PosixSpawnFileActionsDestroy(PosixSpawnFileActions* actions);

        /// <summary>posix_spawn_file_actions_adddup2(3): in the child, dup2(fd, newFd), which clears close-on-exec on newFd.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "posix_spawn_file_actions_adddup2")]
        internal static unsafe partial int PosixSpawnFileActionsAddDup2(PosixSpawnFileActions* actions, int fd, int newFd);
    }
}
