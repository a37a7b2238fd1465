namespace Madvise.Scenarios.Host;

internal static unsafe partial class HarnessSyscalls
{
    /// <summary>setgroups(2) with an empty list: drops every supplementary group (all threads).</summary>
    internal static long ClearSupplementaryGroups() => Result(Interop.Libc.SetGroups(0, null));

    /// <summary>setresgid(2) (all threads).</summary>
    internal static long SetResGid(uint rgid, uint egid, uint sgid) => Result(Interop.Libc.SetResGid(rgid, egid, sgid));

    /// <summary>setresuid(2) (all threads). Linux clears the capabilities of a thread whose uids all leave 0, and makes the process non-dumpable when fs.suid_dumpable is 0.</summary>
    internal static long SetResUid(uint ruid, uint euid, uint suid) => Result(Interop.Libc.SetResUid(ruid, euid, suid));

    /// <summary>The calling thread's effective, permitted and inheritable sets (capget, version 3).</summary>
    internal static long GetThreadCapabilities(out ulong effective, out ulong permitted, out ulong inheritable)
    {
        var header = new Interop.CapUserHeader { Version = Interop.LINUX_CAPABILITY_VERSION_3, Pid = 0 };
        var data = stackalloc Interop.CapUserData[2];
        var r = Result(Interop.Libc.CapGet(&header, data));
        effective = data[0].Effective | ((ulong)data[1].Effective << 32);
        permitted = data[0].Permitted | ((ulong)data[1].Permitted << 32);
        inheritable = data[0].Inheritable | ((ulong)data[1].Inheritable << 32);
        return r;
    }

    /// <summary>Sets the calling thread's capability sets (capset, version 3). Other threads keep theirs.</summary>
    internal static long SetThreadCapabilities(ulong effective, ulong permitted, ulong inheritable)
    {
        var header = new Interop.CapUserHeader { Version = Interop.LINUX_CAPABILITY_VERSION_3, Pid = 0 };
        var data = stackalloc Interop.CapUserData[2];
        data[0] = new Interop.CapUserData { Effective = (uint)effective, Permitted = (uint)permitted, Inheritable = (uint)inheritable };
        data[1] = new Interop.CapUserData { Effective = (uint)(effective >> 32), Permitted = (uint)(permitted >> 32), Inheritable = (uint)(inheritable >> 32) };
        return Result(Interop.Libc.CapSet(&header, data));
    }

    /// <summary>prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL): empties the calling thread's ambient set.</summary>
    internal static long ClearAmbientCapabilities() =>
        Result(Interop.Libc.Prctl(Interop.Libc.PR_CAP_AMBIENT, Interop.Libc.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0));

    /// <summary>prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, cap): removes one capability from the calling thread's ambient set.</summary>
    internal static long LowerAmbientCapability(int capability) =>
        Result(Interop.Libc.Prctl(Interop.Libc.PR_CAP_AMBIENT, Interop.Libc.PR_CAP_AMBIENT_LOWER, (ulong)capability, 0, 0));

    /// <summary>
    /// prctl(PR_SET_PDEATHSIG, <paramref name="signal"/>): the signal this process gets when the
    /// thread that created it exits. Linux clears it on any credential change.
    /// </summary>
    internal static long SetParentDeathSignal(int signal) =>
        Result(Interop.Libc.Prctl(Interop.Libc.PR_SET_PDEATHSIG, (ulong)signal, 0, 0, 0));

    /// <summary>getppid(2).</summary>
    internal static int GetParentPid() => Interop.Libc.GetPPid();
}
