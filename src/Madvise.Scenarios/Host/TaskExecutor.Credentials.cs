using Madvise.Host;
using Madvise.Abi;

namespace Madvise.Scenarios.Host;

internal sealed partial class TaskExecutor
{
    /// <summary>Called after a <see cref="SetUid"/> that succeeded (an agent sets its parent-death signal again).</summary>
    public Action? CredentialsChanged { get; set; }

    /// <summary>
    /// <c>setuid UID</c>: no supplementary groups, every gid and uid = <paramref name="uid"/>
    /// (glibc applies these to all threads), then the ambient set and the calling thread's
    /// effective, permitted and inheritable sets emptied. Linux makes the process non-dumpable
    /// on the uid change when fs.suid_dumpable is 0.
    /// </summary>
    /// <remarks>
    /// glibc applies setgroups/setresgid/setresuid to every thread and aborts the process when
    /// the threads' answers differ, but <see cref="DropCapability"/> lowers only the calling
    /// thread's sets: after <c>dropcap CAP_SETUID</c> the runtime's other threads still succeed
    /// where this one fails, and the agent died (-ESRCH on every later step). So where the kernel
    /// would refuse this thread, it is refused here before glibc is asked, with the kernel's
    /// answer, which is what a one-thread process gets: setgroups needs CAP_SETGID whatever the
    /// list (kernel/groups.c may_setgroups()); setresuid to a uid none of the current ones are
    /// needs CAP_SETUID (kernel/sys.c), and then the groups and gid are changed already.
    /// setresgid never fails here: CAP_SETGID was checked.
    /// </remarks>
    public long SetUid(uint uid)
    {
        var r = _sys.GetThreadCapabilities(out var effective, out _, out _);
        if (r < 0)
        {
            return r;
        }

        if ((effective & (1UL << (int)Capability.CAP_SETGID)) == 0)
        {
            return -Errno.EPERM;
        }

        var mayChangeUid = (effective & (1UL << (int)Capability.CAP_SETUID)) != 0 || ThreadHasUid(uid);
        if ((r = _sys.ClearSupplementaryGroups()) < 0 ||
            (r = _sys.SetResGid(uid, uid, uid)) < 0)
        {
            return r;
        }

        if (!mayChangeUid)
        {
            return -Errno.EPERM;
        }

        if ((r = _sys.SetResUid(uid, uid, uid)) < 0)
        {
            return r;
        }

        _sys.ClearAmbientCapabilities();
        r = _sys.GetThreadCapabilities(out _, out _, out _);
        if (r >= 0)
        {
            r = _sys.SetThreadCapabilities(0, 0, 0);
        }

        if (r < 0)
        {
            return r;
        }

        CredentialsChanged?.Invoke();
        return 0;
    }

    /// <summary>
    /// True when <paramref name="uid"/> is the calling thread's real, effective or saved uid
    /// (/proc/thread-self/status): then setresuid(uid, uid, uid) needs no capability.
    /// </summary>
    private bool ThreadHasUid(uint uid)
    {
        var text = uid.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var line in (_sys.ReadProcFile("thread-self/status") ?? "").Split('\n'))
        {
            if (line.StartsWith("Uid:", StringComparison.Ordinal))
            {
                var ids = line[4..].Split('\t', StringSplitOptions.RemoveEmptyEntries);
                return ids.Length >= 3 && (ids[0] == text || ids[1] == text || ids[2] == text);
            }
        }

        return false;
    }

    /// <summary><c>dropcap CAP</c>: clears one capability from the calling thread's effective, permitted, inheritable and ambient sets.</summary>
    public long DropCapability(int capability)
    {
        if (capability is < 0 or > 63)
        {
            return -Errno.EINVAL;
        }

        var r = _sys.GetThreadCapabilities(out var effective, out var permitted, out var inheritable);
        if (r < 0)
        {
            return r;
        }

        var keep = ~(1UL << capability);
        r = _sys.SetThreadCapabilities(effective & keep, permitted & keep, inheritable & keep);
        if (r < 0)
        {
            return r;
        }

        _sys.LowerAmbientCapability(capability);
        return 0;
    }
}
