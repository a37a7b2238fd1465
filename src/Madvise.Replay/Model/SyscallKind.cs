namespace Madvise.Replay.Model;

/// <summary>
/// The system calls a replay knows by name: the strace filter's (<c>%memory</c>, process_madvise,
/// pidfd_open, the process calls) plus the two memory calls strace 6.1 prints by number. The
/// strace spelling is the member name in snake case (<see cref="SyscallNames"/>).
/// </summary>
public enum SyscallKind : byte
{
    /// <summary>Any other name: counted by its text, never replayed.</summary>
    Other,
    Mmap,
    Munmap,
    Mprotect,
    PkeyMprotect,
    Brk,
    Madvise,
    ProcessMadvise,
    PidfdOpen,
    Mremap,
    Msync,
    Mincore,
    Mlock,
    Mlock2,
    Munlock,
    Mlockall,
    Munlockall,
    Shmat,
    Shmdt,
    IoSetup,
    IoDestroy,
    RemapFilePages,
    Mbind,
    SetMempolicy,
    GetMempolicy,
    MigratePages,
    MovePages,
    IoUringRegister,
    SetMempolicyHomeNode,

    /// <summary>mseal (Linux 6.10, number 462): strace 6.1 prints it as <c>syscall_0x1ce</c>.</summary>
    Mseal,

    /// <summary>map_shadow_stack (Linux 6.6, number 453): strace 6.1 prints it as <c>syscall_0x1c5</c>.</summary>
    MapShadowStack,
    Clone,
    Clone3,
    Fork,
    Vfork,
    Execve,
    Execveat,
    Exit,
    ExitGroup,
}
