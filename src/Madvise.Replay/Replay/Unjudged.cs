namespace Madvise.Replay.Replay;

/// <summary>Why a logged call's result was not compared with the simulated kernel's.</summary>
public enum Unjudged : byte
{
    /// <summary>No result to compare: in flight when the log ended, detached, or <c>= ?</c> (the thread died in it).</summary>
    NoResult,

    /// <summary>The call touched memory no traced call mapped (mapped by the kernel at execve, or before strace attached); it ran on an implicit mapping made for it.</summary>
    ImplicitMapping,

    /// <summary>The simulated kernel has no such call (msync, shmat, mbind, mlockall, mseal, ...), or not with these arguments (pkey_mprotect with a key, mlock2 with flags).</summary>
    NotSimulated,

    /// <summary>brk and mremap: the replayer applies the logged effect with mmap and munmap (the simulated kernel has neither call).</summary>
    Emulated,

    /// <summary>process_madvise with a vector strace cut after 32 entries: the rest of the ranges are unknown.</summary>
    TruncatedVector,

    /// <summary>The result depends on a descriptor the trace does not show (opened by an untraced call, or a pidfd for an untraced process).</summary>
    Descriptor,

    /// <summary>Creating or ending threads and processes (clone, fork, vfork, execve, exit): applied, not compared.</summary>
    Process,

    /// <summary>strace printed an errno name this project does not know.</summary>
    UnknownErrno,

    /// <summary>Skipped: it would have populated more memory than the replay's bound.</summary>
    MemoryBound,
}
