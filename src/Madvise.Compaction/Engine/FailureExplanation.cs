namespace Madvise.Compaction.Engine;

/// <summary>What an errno from compacting another process means, in words a user can act on.</summary>
public static class FailureExplanation
{
    /// <summary>The explanation of <paramref name="errno"/> from process_madvise(<paramref name="advice"/>) on <paramref name="target"/>.</summary>
    public static string ForProcessMadvise(int errno, MemoryAdvice advice, string target) => errno switch
    {
        Errno.EPERM =>
            $"process_madvise on {target}: EPERM — advising another process needs CAP_SYS_NICE (and PTRACE_MODE_READ access to it). " +
            "Run as root or grant the capability (setcap cap_sys_nice+ep, or ambient capabilities). Inside a container the default " +
            "seccomp profile (Docker, containerd, Podman) refuses process_madvise with EPERM too: allow it in the profile.",
        Errno.EACCES =>
            $"process_madvise on {target}: EACCES — no PTRACE_MODE_READ access to the target: it runs as another user, is not dumpable " +
            "(setuid, prctl(PR_SET_DUMPABLE, 0)), or has capabilities this process lacks. Run as its user or with CAP_SYS_PTRACE " +
            "(kernel.yama.ptrace_scope does not apply to this check).",
        Errno.ESRCH => $"{target} exited.",
        Errno.ENOSYS =>
            $"process_madvise on {target}: ENOSYS — this kernel has no process_madvise (added in Linux 5.10) or pidfd_open (5.3). " +
            "Android falls back to writing /proc/PID/reclaim, which exists only in Android's kernels: mainline Linux has no such file, " +
            "so there is no fallback here. A seccomp filter (a container's profile) that hides the call answers ENOSYS too.",
        Errno.EINVAL =>
            $"process_madvise on {target}: EINVAL — this kernel does not accept {advice} for another process " +
            "(remote MADV_COLD and MADV_PAGEOUT need Linux 5.10, MADV_WILLNEED 5.17 and MADV_COLLAPSE 6.1).",
        Errno.EINTR => $"process_madvise on {target}: EINTR — this process has a fatal signal pending.",
        Errno.EFAULT => $"process_madvise on {target}: EFAULT — a range lies outside user space (a bug in the plan).",
        Errno.EBADF => $"process_madvise on {target}: EBADF — the pidfd is not open (a bug).",
        _ => $"process_madvise on {target}: {Errno.Name(errno)}.",
    };

    /// <summary>Why <paramref name="target"/>'s maps could not be read.</summary>
    public static string ForMaps(int errno, string target) => errno switch
    {
        Errno.ESRCH or Errno.ENOENT => $"{target} does not exist (or exited).",
        Errno.EACCES or Errno.EPERM =>
            $"cannot read /proc/{target}/maps: EACCES — reading another process's mappings needs PTRACE_MODE_READ access " +
            "(the same user and a dumpable process, or CAP_SYS_PTRACE in the target's user namespace), and no security module " +
            "(Yama, SELinux, AppArmor) refusing it.",
        _ => $"cannot read the mappings of {target}: {Errno.Name(errno)}.",
    };
}
