using Madvise.Host;

namespace Madvise.Scenarios.Host;

internal sealed partial class TaskExecutor
{
    /// <summary>
    /// <c>setuid UID</c>: no supplementary groups, every gid and uid = <paramref name="uid"/>
    /// (glibc applies these to all threads), then the ambient set and the calling thread's
    /// effective, permitted and inheritable sets emptied. Linux makes the process non-dumpable
    /// on the uid change when fs.suid_dumpable is 0.
    /// </summary>
    public long SetUid(uint uid)
    {
        long r;
        if ((r = HostSyscalls.ClearSupplementaryGroups()) < 0 ||
            (r = HostSyscalls.SetResGid(uid, uid, uid)) < 0 ||
            (r = HostSyscalls.SetResUid(uid, uid, uid)) < 0)
        {
            return r;
        }

        HostSyscalls.ClearAmbientCapabilities();
        r = HostSyscalls.GetThreadCapabilities(out _, out _, out _);
        if (r >= 0)
        {
            r = HostSyscalls.SetThreadCapabilities(0, 0, 0);
        }

        return r < 0 ? r : 0;
    }

    /// <summary><c>dropcap CAP</c>: clears one capability from the calling thread's effective, permitted, inheritable and ambient sets.</summary>
    public long DropCapability(int capability)
    {
        if (capability is < 0 or > 63)
        {
            return -Kernel.Abi.Errno.EINVAL;
        }

        var r = HostSyscalls.GetThreadCapabilities(out var effective, out var permitted, out var inheritable);
        if (r < 0)
        {
            return r;
        }

        var keep = ~(1UL << capability);
        r = HostSyscalls.SetThreadCapabilities(effective & keep, permitted & keep, inheritable & keep);
        if (r < 0)
        {
            return r;
        }

        HostSyscalls.LowerAmbientCapability(capability);
        return 0;
    }
}
