namespace Madvise.Replay.Strace;

/// <summary>
/// clone(2)/clone3(2) flags (include/uapi/linux/sched.h), by strace's names: the parser reads
/// them, the replay follows CLONE_VM, CLONE_THREAD and CLONE_VFORK. Kept here rather than in
/// Madvise.Abi, whose public API is a package's: nothing else needs them.
/// </summary>
internal static class CloneFlags
{
    /// <summary>The child shares the parent's address space.</summary>
    public const ulong CLONE_VM = 0x00000100;
    public const ulong CLONE_FS = 0x00000200;
    public const ulong CLONE_FILES = 0x00000400;
    public const ulong CLONE_SIGHAND = 0x00000800;
    public const ulong CLONE_PIDFD = 0x00001000;
    public const ulong CLONE_PTRACE = 0x00002000;

    /// <summary>The parent sleeps until the child execs or exits (vfork, posix_spawn).</summary>
    public const ulong CLONE_VFORK = 0x00004000;
    public const ulong CLONE_PARENT = 0x00008000;

    /// <summary>The child is a thread of the parent's thread group.</summary>
    public const ulong CLONE_THREAD = 0x00010000;
    public const ulong CLONE_NEWNS = 0x00020000;
    public const ulong CLONE_SYSVSEM = 0x00040000;
    public const ulong CLONE_SETTLS = 0x00080000;
    public const ulong CLONE_PARENT_SETTID = 0x00100000;
    public const ulong CLONE_CHILD_CLEARTID = 0x00200000;
    public const ulong CLONE_DETACHED = 0x00400000;
    public const ulong CLONE_UNTRACED = 0x00800000;
    public const ulong CLONE_CHILD_SETTID = 0x01000000;
    public const ulong CLONE_NEWCGROUP = 0x02000000;
    public const ulong CLONE_NEWUTS = 0x04000000;
    public const ulong CLONE_NEWIPC = 0x08000000;
    public const ulong CLONE_NEWUSER = 0x10000000;
    public const ulong CLONE_NEWPID = 0x20000000;
    public const ulong CLONE_NEWNET = 0x40000000;
    public const ulong CLONE_IO = 0x80000000;
    public const ulong CLONE_CLEAR_SIGHAND = 0x100000000;
    public const ulong CLONE_INTO_CGROUP = 0x200000000;
}
